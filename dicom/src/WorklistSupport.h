// What the worklist folder lookup and the worklist C-FIND share (private to the dicom/ library).
#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcitem.h>

#include <string>

#include "va/dicom/Worklist.h"

namespace va::dicom::detail {

// The accession number without the spaces SH ignores; throws DicomError when nothing is left.
std::string CheckedAccession(const std::string& accession);

// The entry a worklist data set describes. Text is converted to UTF-8 unless the data set's Specific Character
// Set cannot be converted; *problem then says so (the entry keeps that term and the raw values).
WorklistEntry EntryFromDataset(DcmItem& ds, std::string* problem);

}  // namespace va::dicom::detail
