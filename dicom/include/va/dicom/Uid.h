// DICOM UIDs under the 2.25 arc (ITU-T X.667, PS3.5 B.2): a UUID written as one decimal integer.
#pragma once

#include <string>

namespace va::dicom {

// A new random UID "2.25.<decimal UUID v4>" (needs no registered root).
std::string GenerateUid();

// A name-based UID: "2.25.<decimal>" of the 128-bit digest (big-endian) after setting the UUID version to 8 and
// the variant to RFC 9562 (a custom UUID), so the same digest always gives the same UID. The caller hashes its
// seed (e.g. SHA-256 of "upload id/segment/purpose", first 16 bytes), so a re-run of an upload yields the same
// UIDs. At most 44 characters, never a leading zero.
std::string UidFromDigest(const unsigned char digest[16]);

}  // namespace va::dicom
