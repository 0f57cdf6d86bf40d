// What a VideoInstanceReader holds; the writers read the source data set through it (private to dicom/).
#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcfilefo.h>

#include <memory>
#include <string>

#include "va/dicom/VideoInstance.h"

namespace va::dicom {

struct VideoInstanceReader::Impl {
  std::string path;
  std::unique_ptr<DcmFileFormat> file;  // large values (the fragments) are left in the file, loaded on access
  InstanceHeader header;
  // Set when the header parsed but Pixel Data did not (e.g. a fragment runs past the end of the file):
  // ExtractBitstream throws this instead of touching a half-parsed fragment sequence.
  std::string pixelDataProblem;
};

}  // namespace va::dicom
