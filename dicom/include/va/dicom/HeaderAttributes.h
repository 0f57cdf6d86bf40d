// Every attribute of an instance except its pixel data, as canonical text: what a legal export signs line by line,
// so a verifier can name the attribute that changed.
#pragma once

#include <string>
#include <vector>

namespace va::dicom {

struct HeaderAttribute {
  std::string tag;      // "(0010,0010)"; inside a sequence "(0008,1115)[0](0020,000E)"
  std::string keyword;  // "PatientName", "" for private or unknown tags
  std::string value;    // the value as DCMTK renders it (numbers as text, binary as backslash-separated hex)
};

// File meta information and data set, depth first through sequences, Pixel Data excluded. Throws DicomError.
std::vector<HeaderAttribute> ListHeaderAttributes(const std::string& path);

}  // namespace va::dicom
