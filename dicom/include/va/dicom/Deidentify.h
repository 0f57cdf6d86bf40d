// De-identified copies of video instances for research and teaching: the header side of PS3.15 Annex E, Basic
// Application Level Confidentiality Profile, with a few of its options. The pixel side (masking burned-in
// annotations) is the caller's: it hands over a stream that is already masked and says so in the options.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "va/dicom/VideoInstance.h"

class DcmItem;  // DCMTK; only DeidentifyDataset needs it

namespace va::dicom {

struct DeidentifyOptions {
  // Required. Called for every UID the profile replaces (action U): Study, Series and SOP Instance UIDs, Frame of
  // Reference, Device UID, Referenced SOP Instance UIDs inside sequences... Never for SOP Class, Transfer Syntax or
  // coding scheme UIDs. The caller makes it consistent within the study (same old UID -> same new UID, e.g. a keyed
  // hash turned into a 2.25 UID) and unlinkable without its key. It must return a valid UID other than oldUid.
  std::function<std::string(const std::string& oldUid)> newUid;
  // Patient Name / Patient ID of the copy (Basic Profile: Z, zero length or a dummy). A pseudonym the caller keeps
  // the key of, e.g. "ANON^RESEARCH" and "R-0042". Empty = zero length.
  std::string patientName;
  std::string patientId;
  // Clean Descriptors Option (113105): keep Study Description, Series Description, Protocol Name and Performed
  // Procedure Step Description. Nothing cleans free text here: set it only when those texts are known to be free of
  // identifiers (e.g. fixed texts written by our recorders). Default: removed.
  bool keepDescriptions = false;
  // Retain Longitudinal Temporal Information with Full Dates Option (113106): every DA, DT and TM attribute and
  // Timezone Offset From UTC kept as is. Default: removed, or zero length when the IOD requires the attribute
  // (Type 2), or 19000101 / 000000 when it requires a value (Type 1).
  bool retainLongitudinalTemporalInformation = false;
  // Retain Device Identity Option (113109): Device Serial Number, Station Name, Device UID, detector / lens /
  // source identifiers kept. Default: removed.
  bool retainDeviceIdentity = false;
  // Retain Patient Characteristics Option (113108): Patient's Age, Sex, Size, Weight, Ethnic Group, Smoking Status,
  // Pregnancy Status, Patient's Sex Neutered kept. Default: removed (Sex: zero length, it is Type 2).
  bool retainPatientCharacteristics = false;
  // Burned In Annotation (0028,0301) of the copy: "NO" when the caller masked every region its device model
  // configuration names (the Clean Pixel Data Option, 113101, is then listed), "YES" otherwise.
  std::string burnedInAnnotation = "YES";
};

// What happened to one attribute. Nested attributes carry the path of sequences they sit in.
struct DeidentifiedAttribute {
  std::string tag;      // "(0010,0010)"; nested: "(0008,1140)[0].(0008,1155)"
  std::string keyword;  // "PatientName"; "" for private or unknown attributes
  char action = 'X';    // 'X' removed, 'Z' emptied, 'D' dummy value, 'U' UID replaced, 'K' kept, 'R' replaced by an
                        //   option's value (Patient Name / ID) or set by the de-identifier
};

struct DeidentificationReport {
  std::vector<DeidentifiedAttribute> attributes;  // in data set order, then the attributes the de-identifier sets
  std::string method;                             // the De-identification Method (0012,0063) text written
  // Number of attributes with the action given, e.g. Count('X').
  size_t Count(char action) const;
  // The entry for tag ("(0010,0010)"), or nullptr.
  const DeidentifiedAttribute* Find(const std::string& tag) const;
};

// Applies the Basic Profile and the options to a data set in place, recursing into sequences: every attribute of
// PS3.15 Table E.1-1 (as it applies to the VL video IODs) gets its action, every private attribute and every
// curve / overlay group (50xx, 60xx) is removed. Attributes the profile does not list are kept (standard
// attributes that hold no identity, such as Rows or codes), except, as a safety net, person names (PN), dates and
// times (DA, DT, TM) not otherwise handled (removed, or kept with the temporal option) and UIDs outside the DICOM
// root 1.2.840.10008 (replaced through newUid). Then sets Patient Identity Removed, De-identification Method (+ Code
// Sequence), Burned In Annotation and Longitudinal Temporal Information Modified (PS3.15 E.1.1, E.3). Throws
// DicomError when newUid is missing or returns an invalid UID, or burnedInAnnotation is neither YES nor NO.
DeidentificationReport DeidentifyDataset(DcmItem& dataset, const DeidentifyOptions& options);

struct DeidentifiedVideoSpec {
  std::string bitstreamPath;  // the masked, re-encoded stream (MP4, moov first); streamed from disk
  VideoPixelDescription pixels;
  // Series Description of the copy; "" = what the profile left (the source's with keepDescriptions, else none).
  std::string seriesDescription = "De-identified copy";
  // Derivation Description (0008,2111), e.g. "Burned-in regions masked; transcoded to HEVC Main". Must hold no
  // identifier (it is written as given). "" = none.
  std::string derivationDescription;
  double lossyCompressionRatio = 0;    // 0 = computed from the pixel description and the bitstream size
  std::string lossyCompressionMethod;  // "" or a contradicting video term = the syntax's own
};

// Writes a de-identified copy of source to outPath: the source's header de-identified by DeidentifyDataset (new
// Study / Series / SOP Instance UIDs through options.newUid, so the copies form a separate study), Pixel Data replaced
// by spec's stream (Image Pixel, Multi-frame and Cine from spec.pixels, as WriteTranscodedInstance does), Image Type
// DERIVED, Derivation Code Sequence "Lossy Compression", Lossy Image Compression history, and an item in
// Contributing Equipment Sequence naming us as De-identifying Equipment (109104). No Source Image Sequence: the
// identified original is not referenced. The source must be a VL video SOP class; the pixel description is checked
// as WriteDerivedInstance checks it. Written to outPath + ".tmp" and renamed. Throws DicomError.
DeidentificationReport WriteDeidentifiedInstance(const VideoInstanceReader& source, const DeidentifiedVideoSpec& spec,
                                                 const DeidentifyOptions& options, const std::string& outPath);

}  // namespace va::dicom
