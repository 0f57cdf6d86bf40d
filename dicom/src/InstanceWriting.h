// Pieces shared by WriteDerivedInstance and WriteNewVideoInstance (private to the dicom/ library).
#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcfilefo.h>

#include <cstdint>
#include <string>

#include "va/dicom/TransferSyntaxTable.h"
#include "va/dicom/VideoInstance.h"

namespace va::dicom::detail {

// Largest even item length (the 32-bit length field reserves 0xFFFFFFFF for "undefined").
constexpr uint64_t kMaxFragmentBytes = 0xFFFFFFFEull;

// The table entry for pixels.transferSyntaxUid, after checking the description against it; throws DicomError.
const VideoTransferSyntax& ValidatePixels(const VideoPixelDescription& pixels);

// Image Pixel, Multi-frame and Cine module attributes of the description.
void PutPixelModules(DcmItem& ds, const VideoPixelDescription& pixels);

// Encapsulated Pixel Data: an empty Basic Offset Table, then the file's bytes as fragments of at most
// maxFragmentBytes (rounded down to even; ignored unless the syntax allows several fragments), the last one
// padded with 0x00 to even length. Nothing is read now: the fragments read the file while the instance is saved.
void PutEncapsulatedPixelData(DcmItem& ds, const std::string& bitstreamPath, const VideoTransferSyntax& ts,
                              uint64_t maxFragmentBytes);

// Saves via outPath + ".tmp" and a rename, so outPath never holds a partial instance.
void SaveInstance(DcmFileFormat& file, const VideoTransferSyntax& ts, const std::string& outPath);

// The Lossy Image Compression Method term for a stream in syntax ts: requested, unless it is one of the video
// terms and names another codec than the syntax does (then the syntax's term).
std::string MethodFor(const VideoTransferSyntax& ts, const std::string& requested);

// ES / GM / XC for the three VL video SOP classes, "" otherwise.
std::string ModalityForSopClass(const std::string& sopClassUid);

// Anatomic Region Sequence with one item: the VL video IODs require it unless a specimen is imaged. An empty
// concept stands for "not known more precisely" (SCT 123037004 Anatomical Structure).
void PutAnatomicRegion(DcmItem& ds, const CodedConcept& region);

// Adds our own item to Contributing Equipment Sequence (SOP Common): who made this instance and why.
void AddContributingEquipment(DcmItem& ds, const char* description);

}  // namespace va::dicom::detail
