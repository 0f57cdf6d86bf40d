// Reading a DICOM video instance and writing new ones, on DCMTK.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "va/dicom/DicomError.h"

namespace va::dicom {

// Header attributes a video pipeline needs. Strings are empty when the attribute is absent.
struct InstanceHeader {
  std::string sopClassUid;
  std::string sopInstanceUid;
  std::string transferSyntaxUid;
  std::string studyInstanceUid;
  std::string seriesInstanceUid;
  std::string patientId;
  std::string patientName;
  std::string modality;
  std::string seriesDescription;
  int rows = 0;
  int columns = 0;
  long numberOfFrames = 0;
  double frameTimeMs = 0;  // (0018,1063); 0 when absent
  double cineRate = 0;     // (0018,0040)
  int bitsAllocated = 0;
  int bitsStored = 0;
  std::string photometricInterpretation;
  bool pixelDataEncapsulated = false;
};

// Parses only the meta header and the data set up to (but excluding) Pixel Data from a memory buffer.
// Cheap enough for a stored-instance callback. Throws DicomError on unparsable input.
InstanceHeader PeekHeader(const void* data, size_t size);

// A video instance on disk. Pixel data stays on disk (lazy loading) and is streamed fragment by fragment.
class VideoInstanceReader {
 public:
  explicit VideoInstanceReader(const std::string& path);  // throws DicomError
  ~VideoInstanceReader();
  VideoInstanceReader(const VideoInstanceReader&) = delete;
  VideoInstanceReader& operator=(const VideoInstanceReader&) = delete;

  const InstanceHeader& header() const;

  // Writes the concatenated fragments of encapsulated Pixel Data (Basic Offset Table excluded) to outPath,
  // in bounded pieces (never the whole stream in memory). Returns the byte count. Throws DicomError when Pixel
  // Data is missing, native (not encapsulated), or the fragment sequence is broken.
  uint64_t ExtractBitstream(const std::string& outPath) const;

  struct Impl;
  const Impl& impl() const { return *impl_; }  // for the writers in this library

 private:
  std::unique_ptr<Impl> impl_;
};

// What an encoded video looks like, to fill Image Pixel / Cine / Multi-frame modules.
struct VideoPixelDescription {
  std::string transferSyntaxUid;  // a video syntax from the table
  int rows = 0;
  int columns = 0;
  long numberOfFrames = 0;
  double frameTimeMs = 0;  // 1000 / fps
  int bitsAllocated = 8;   // 8 (8-bit) or 16 (10-bit)
  int bitsStored = 8;      // 8 or 10
  int highBit = 7;         // 7 or 9
  std::string photometricInterpretation = "YBR_PARTIAL_420";
};

// The derived (archival) instance: same patient/study as the source, new series, new UIDs, same SOP class.
struct DerivedVideoSpec {
  std::string bitstreamPath;  // the MP4 (moov first) to encapsulate; streamed from disk, not loaded whole
  VideoPixelDescription pixels;
  std::string seriesInstanceUid;  // generated when empty
  std::string sopInstanceUid;     // generated when empty
  std::string seriesDescription;  // e.g. "Archival HEVC copy"
  int seriesNumber = 0;           // 0 = source series number + 1000
  double lossyCompressionRatio = 0;
  std::string lossyCompressionMethod = "ISO_23008_2";
  std::string derivationDescription;  // human-readable, up to 1024 chars (ST)
};

// Writes a conformant derived instance to outPath: copies Patient, Study, General Equipment attributes from the
// source, sets new Series/SOP UIDs, Lossy Image Compression 01 (+ ratio/method, appending to the source's
// history), Derivation Description, Image Type DERIVED\SECONDARY, Source Image Sequence -> the source, and the
// encapsulated Pixel Data (empty offset table, fragments of at most 0xFFFFFFFE bytes, even length).
void WriteDerivedInstance(const VideoInstanceReader& source, const DerivedVideoSpec& spec,
                          const std::string& outPath);

// A brand-new video instance from an encoded stream and a procedure record (recorder uploads, test inputs).
struct NewVideoSpec {
  std::string bitstreamPath;
  VideoPixelDescription pixels;
  std::string sopClassUid;  // one of VideoSopClasses()
  std::string patientId, patientName, patientBirthDate, patientSex;
  std::string studyInstanceUid, seriesInstanceUid, sopInstanceUid;  // generated when empty
  std::string studyDescription, seriesDescription, accessionNumber;
  std::string studyDate, studyTime;  // generated from now when empty
  std::string manufacturer, modelName, deviceSerialNumber, institutionName;
  std::string modality = "ES";  // ES endoscopy, GM microscopy, XC photography
  bool lossy = true;
  double lossyCompressionRatio = 0;
  std::string lossyCompressionMethod;  // e.g. ISO_14496_10, ISO_13818_2, ISO_23008_2
};
void WriteNewVideoInstance(const NewVideoSpec& spec, const std::string& outPath);

// A new DICOM UID under the project's root.
std::string GenerateUid();

}  // namespace va::dicom
