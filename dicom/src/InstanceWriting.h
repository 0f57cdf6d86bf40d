// Pieces shared by WriteDerivedInstance and WriteNewVideoInstance (private to the dicom/ library).
#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcfilefo.h>

#include <cstdint>
#include <string>
#include <vector>

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

// Uncompressed size / compressed size, the convention of Lossy Image Compression Ratio (0028,2112); 0 when a
// size is unknown.
double CompressionRatio(long rows, long columns, long frames, int bitsAllocated, uint64_t compressedBytes);
uint64_t FileBytes(const std::string& path);  // 0 when it cannot be stat'ed

// The values of a multi-valued attribute as DICOM writes them, separated by '\\'.
std::string JoinValues(const std::vector<std::string>& values);

// Lossy Image Compression "01", and Method / Ratio with one value per lossy step, in order (PS3.3 C.7.6.1.1.5): the
// source's steps, then the new one (the stream at bitstreamPath in syntax ts; requestedRatio 0 = computed).
void PutLossyHistory(DcmItem& target, const VideoInstanceReader::Impl& source, const VideoPixelDescription& pixels,
                     const std::string& bitstreamPath, const VideoTransferSyntax& ts,
                     const std::string& requestedMethod, double requestedRatio);

// Before adding UTF-8 text to attributes copied from a source: Specific Character Set becomes ISO_IR 192, and the
// copied values are converted when they were in another character set.
void SwitchToUtf8(DcmItem& ds);

// Appends the source to Source Image Sequence, with the Purpose of Reference a lossy derivative must give it:
// lossy compressed or uncompressed predecessor.
void AddSourceImageReference(DcmItem& ds, const InstanceHeader& source);

}  // namespace va::dicom::detail
