// PS3.15 Table E.1-1, Basic Profile column, as data (private to the dicom/ library).
// Hand-written because DCMTK 3.6.7 ships no confidentiality profile table in its libraries (dcmodify edits tags one
// by one; the standard's table exists only as a document).
#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctagkey.h>

namespace va::dicom::detail {

// The Basic Profile actions as the table writes them. Composite ones are resolved per IOD by ResolveAction.
enum class ProfileAction {
  D,    // replace with a non-zero length dummy value
  Z,    // replace with a zero-length value (or a dummy)
  X,    // remove
  K,    // keep (sequences: keep and clean their items)
  U,    // replace the UID by one consistent within the set of instances
  ZD,   // Z unless D is required (Type 2 versus Type 1)
  XZ,   // X unless Z is required (Type 3 versus Type 2)
  XD,   // X unless D is required (Type 3 versus Type 1)
  XZD,  // X unless Z or D is required
  XZU,  // X unless Z or U* (the sequence kept, its UIDs replaced) is required
};

// The options of Table E.1-1 that keep an attribute the Basic Profile would change.
enum RetainedBy : unsigned {
  kRetainedByNone = 0,
  kRetainedByTemporal = 1,      // Retain Longitudinal Temporal Information Full Dates
  kRetainedByDevice = 2,        // Retain Device Identity
  kRetainedByPatientChars = 4,  // Retain Patient Characteristics
  kRetainedByDescriptors = 8,   // Clean Descriptors (kept as the caller cleaned them)
};

struct ProfileEntry {
  Uint16 group;
  Uint16 element;
  const char* keyword;  // the standard's keyword (DCMTK 3.6.7's dictionary lacks some newer ones)
  ProfileAction action;
  unsigned retainedBy;  // RetainedBy flags
};

// The entry for tag, or nullptr when the table does not list it. Repeating groups are not in here: curves (50xx)
// and overlays (60xx) are removed whole by the caller, as are private attributes.
const ProfileEntry* FindProfileEntry(const DcmTagKey& tag);

// The whole table (for tests and documentation).
const ProfileEntry* ProfileTableBegin();
const ProfileEntry* ProfileTableEnd();

// Whether a top-level attribute is Type 1 / Type 2 in the VL Endoscopic, Microscopic and Photographic video IODs
// (PS3.3 A.32): what the composite actions resolve against.
bool IsType1InVideoIods(const DcmTagKey& tag);
bool IsType2InVideoIods(const DcmTagKey& tag);

// The Basic Profile action for an attribute: composites resolved as PS3.15 E.1.1 says (the strictest one the IOD
// allows); nested attributes (topLevel false) are not typed here, so they resolve to X. XZU resolves to K for
// Referenced Image Sequence (its UIDs are then replaced, U*: the other view of a stereoscopic pair is de-identified
// into the same study) and to X otherwise (Source Image Sequence would point at the identified original).
ProfileAction ResolveAction(ProfileAction action, const DcmTagKey& tag, bool topLevel);

}  // namespace va::dicom::detail
