// Reading a DICOM video instance and writing new ones, on DCMTK.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "va/dicom/CodedConcept.h"
#include "va/dicom/DicomError.h"
#include "va/dicom/TransferSyntaxTable.h"
#include "va/dicom/Uid.h"

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

  // Added by the dicom/ library.
  int seriesNumber = 0;                     // (0020,0011); 0 when absent
  std::string specificCharacterSet;         // (0008,0005): how to decode patientName etc. (values are not converted)
  std::string lossyImageCompression;        // (0028,2110) "00" / "01" / ""
  std::string lossyImageCompressionMethod;  // (0028,2114), all values joined by '\'
  std::string studyDate;                    // (0008,0020) YYYYMMDD as stored
  std::string institutionName;              // (0008,0080), in specificCharacterSet
  bool patientIdentityRemoved = false;      // (0012,0062) is YES: a de-identified object
  std::string manufacturer;                 // (0008,0070)
  std::string modelName;                    // (0008,1090)
  std::string deviceSerialNumber;           // (0018,1000)
  std::string acquisitionDateTime;          // (0008,002A), else Content Date + Time, else Study Date + Time
};

// Parses only the meta header and the data set up to (but excluding) Pixel Data from a memory buffer.
// Cheap enough for a stored-instance callback. Throws DicomError on unparsable input.
// Values larger than 64 KiB are skipped, not copied. A meta header without the 128-byte preamble ("DICM" first)
// is accepted; so is a bare data set when it holds a SOP Class UID (transferSyntaxUid is then the detected
// encoding). pixelDataEncapsulated tells whether a Pixel Data element with undefined length (fragments) follows
// the parsed part. Deflated data sets are refused (no video is deflated, and inflating untrusted input could
// allocate without bound).
InstanceHeader PeekHeader(const void* data, size_t size);

// A video instance on disk. Pixel data stays on disk (lazy loading) and is streamed fragment by fragment.
// Values are loaded on first access, so one reader must not be used from two threads at once.
// A file whose Pixel Data is truncated still opens (header() is valid); ExtractBitstream then throws.
class VideoInstanceReader {
 public:
  explicit VideoInstanceReader(const std::string& path);  // throws DicomError
  ~VideoInstanceReader();
  VideoInstanceReader(const VideoInstanceReader&) = delete;
  VideoInstanceReader& operator=(const VideoInstanceReader&) = delete;

  const InstanceHeader& header() const;

  // Writes the concatenated fragments of encapsulated Pixel Data (Basic Offset Table excluded) to outPath,
  // in bounded pieces (never the whole stream in memory). Returns the byte count. Throws DicomError when Pixel
  // Data is missing, native (not encapsulated), or the fragment sequence is broken; outPath is removed then.
  // Fragments are even-length by rule, so a stream of odd length comes back with its one 0x00 pad byte.
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
  std::string seriesInstanceUid;                       // generated when empty
  std::string sopInstanceUid;                          // generated when empty
  std::string seriesDescription;                       // e.g. "Archival HEVC copy"
  int seriesNumber = 0;                                // 0 = source series number + 1000
  double lossyCompressionRatio = 0;                    // 0 = computed from the pixel description and the bitstream size
  std::string lossyCompressionMethod = "ISO_23008_2";  // a video term that contradicts the syntax is corrected
  std::string derivationDescription;                   // human-readable, up to 1024 chars (ST)
};

// Writes a conformant derived instance to outPath: copies Patient, Study, General Equipment attributes from the
// source, sets new Series/SOP UIDs, Lossy Image Compression 01 (+ ratio/method, appending to the source's
// history), Derivation Description, Image Type DERIVED\SECONDARY, Source Image Sequence -> the source, and the
// encapsulated Pixel Data (empty offset table, fragments of at most 0xFFFFFFFE bytes, even length).
// The source must be one of the VL video SOP classes (the derived instance keeps its class). The pixel
// description is checked against the transfer syntax (CheckFits, and Bits Allocated/Stored/High Bit as PS3.5
// mandates: 8/8/7, or 16/10/9 for Main 10); only HEVC may use several fragments, so a longer MPEG-2 / H.264
// stream is refused. An odd-length bitstream gets one 0x00 pad byte. The file is written to outPath + ".tmp"
// and renamed, so outPath never holds a partial instance.
void WriteDerivedInstance(const VideoInstanceReader& source, const DerivedVideoSpec& spec, const std::string& outPath);

// A brand-new video instance from an encoded stream and a procedure record (recorder uploads, test inputs).
struct NewVideoSpec {
  std::string bitstreamPath;
  VideoPixelDescription pixels;
  std::string sopClassUid;  // one of VideoSopClasses()
  std::string patientId, patientName, patientBirthDate, patientSex;
  std::string studyInstanceUid, seriesInstanceUid, sopInstanceUid;  // generated when empty
  std::string studyDescription, seriesDescription, accessionNumber;
  std::string studyDate, studyTime;  // "" = from the recording start, else now (see WriteNewVideoInstance)
  std::string manufacturer, modelName, deviceSerialNumber, institutionName;
  std::string modality = "ES";  // ES endoscopy, GM microscopy, XC photography: picks the SOP class when
                                //   sopClassUid is empty; otherwise the class decides (each IOD admits one)
  bool lossy = true;
  double lossyCompressionRatio = 0;    // 0 = computed from the pixel description and the bitstream size
  std::string lossyCompressionMethod;  // ISO_14496_10, ISO_13818_2, ISO_23008_2; "" or a contradicting video
                                       //   term = the syntax's own

  // Added by the dicom/ library.
  std::string acquisitionDateTime;     // DT, start of the recording (for every segment of it); "" = contentDateTime,
                                       //   else studyDate + studyTime
  std::string referringPhysicianName;  // PN
  std::string studyId;                 // SH
  int seriesNumber = 1;
  // Anatomic Region Sequence (0008,2218), required by the VL video IODs (e.g. SCT 818983003 "Abdomen").
  // Empty = SCT 123037004 "Anatomical Structure" (the SNOMED body-structure root): region not known.
  CodedConcept anatomicRegion;
  std::string laterality;  // (0020,0060) "R" / "L" for a paired body part; "" = not known (sent empty, Type 2C)

  // The procedure record of a recorder upload.
  CodedConcept procedureCode;  // Procedure Code Sequence (0008,1032), one item; none when value is empty
  std::string operatorsName;   // (0008,1070) PN; several operators separated by '\'
  int instanceNumber = 1;      // (0020,0013), 1 or more: the segment's place in a recording split into segments
  // DT of the first frame of this instance (recording start + segment offset) -> Content Date/Time, and Acquisition
  // DateTime when acquisitionDateTime is empty. "" = the recording start.
  std::string contentDateTime;
  // (0008,0201) "+HHMM" / "-HHMM": the offset in which every DA / TM of the instance is written (Content, Series,
  // Study, Instance Creation). DT values with another offset are converted to it. "" = the offset of the recording
  // start DT when it has one, else none (local time, as DICOM then assumes).
  std::string timezoneOffsetFromUtc;
  std::string imageComments;  // (0020,4000) LT; cut to 10240 bytes (the LT limit) at a character boundary
  // (SOP Class UID, SOP Instance UID) of the other view(s) of a stereoscopic recording -> Referenced Image
  // Sequence (0008,1140), each item with Purpose of Reference (DCM 121315, "Other image of stereoscopic pair",
  // CID 7201).
  std::vector<std::pair<std::string, std::string>> referencedImages;
};
// Modality is the one the SOP class admits (ES / GM / XC); the SOP class follows the modality when empty.
// Dates: Study Date/Time come from studyDate/studyTime, else the recording start (acquisitionDateTime, else
// contentDateTime), else now; Series Date/Time from the recording start, else Study Date/Time. A DT that is not
// YYYYMMDDHH[MM[SS[.F{1,6}]]][+/-HHMM], an invalid offset, code, UID or instance number throws DicomError.
// Non-ASCII values are taken as UTF-8 and Specific Character Set is then ISO_IR 192. Image Type ORIGINAL\PRIMARY.
// Same pixel checks, fragmenting, padding and .tmp + rename as WriteDerivedInstance.
void WriteNewVideoInstance(const NewVideoSpec& spec, const std::string& outPath);

// The same instance with its bitstream in another transfer syntax: what a C-GET / C-MOVE / WADO client that accepts
// only H.264 gets for a stored HEVC or MPEG-2 instance.
struct TranscodedVideoSpec {
  std::string bitstreamPath;     // the MP4 (moov first) to encapsulate; streamed from disk, never whole in memory
  VideoPixelDescription pixels;  // the new transfer syntax and what the stream holds
  // false: the same instance (same SOP Instance UID) in another syntax, as a transfer-syntax conversion on the wire.
  // true: a new instance (a lossy derivative) that references the source in Source Image Sequence.
  bool newSopInstanceUid = false;
  std::string sopInstanceUid;          // with newSopInstanceUid: the UID to give it; generated when empty
  double lossyCompressionRatio = 0;    // 0 = computed from the pixel description and the bitstream size
  std::string lossyCompressionMethod;  // "" or a contradicting video term = the syntax's own
  // With newSopInstanceUid: Derivation Description (0008,2111), human-readable, up to 1024 chars (ST); "" = one
  // naming the source and the syntax. The same instance keeps the source's.
  std::string derivationDescription;
  // The codec's probe of bitstreamPath, when the caller has it: the stream's profile, level, chroma format and
  // interlacing are then checked against the syntax too (StreamFitProblem), not only the pixel description.
  std::optional<EncodedStreamFacts> streamFacts;
};

// Writes to outPath the source instance with new encapsulated Pixel Data. Every attribute of the source data set is
// kept (patient, study, series, SOP class, equipment, private ones...) except:
// - Image Pixel, Multi-frame and Cine attributes: from spec.pixels; the group 7FE0 (Pixel Data and the attributes
//   describing its old fragments, such as an Extended Offset Table): the new stream, as WriteDerivedInstance
//   writes it; Frame Time Vector: dropped (frames are timed by Frame Time);
// - Pixel Spacing, Imager Pixel Spacing, Nominal Scanned Pixel Spacing, Pixel Aspect Ratio and Sequence of
//   Ultrasound Regions are dropped when the picture size differs from the source's, and Representative Frame Number
//   and the Frame of Interest attributes when the frame count or frame time differs: they would be wrong;
// - Lossy Image Compression "01", Method and Ratio: the source's steps, then this one;
// - with newSopInstanceUid: SOP Instance UID, Instance Creation Date/Time, Image Type value 1 DERIVED, Derivation
//   Description and Derivation Code Sequence (Lossy Compression), Source Image Sequence (the source, lossy compressed
//   or uncompressed predecessor) and our item in Contributing Equipment Sequence; a non-ASCII derivation description
//   moves the instance to UTF-8 as WriteDerivedInstance does.
// The pixel description is checked as WriteDerivedInstance checks it (CheckFits, Bits Allocated/Stored/High Bit,
// one fragment unless HEVC), so a stream that does not fit the syntax is refused; likewise spec.streamFacts when set.
// Written to outPath + ".tmp" and renamed, so outPath never holds a partial instance. Throws DicomError.
void WriteTranscodedInstance(const VideoInstanceReader& source, const TranscodedVideoSpec& spec,
                             const std::string& outPath);

}  // namespace va::dicom
