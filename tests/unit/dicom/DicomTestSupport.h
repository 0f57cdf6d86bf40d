// Helpers shared by the dicom/ unit tests: scratch folders, test clips, byte comparison.
#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "va/dicom/TransferSyntaxTable.h"
#include "va/dicom/VideoInstance.h"

namespace va::dicom::test {

inline std::string TestData(const std::string& relative) {
  return std::string(VA_TESTDATA) + "/" + relative;
}

// 1264x1010 at 2 fps, 23 frames; 172526 bytes (even length).
inline std::string EvenClip() {
  return TestData("clips/endovis2017_d2_segmask_h264_1264x1010_2fps.mp4");
}
// Same format, 213007 bytes (odd length: gets one pad byte in Pixel Data).
inline std::string OddClip() {
  return TestData("clips/endovis2017_d1_segmask_h264_1264x1010_2fps.mp4");
}
inline std::string NativeMultiframe() {
  return TestData("dicom-video/dicomParser_IM00001_US-MF_implicitLE_8f.dcm");
}

// A fresh folder per test, removed afterwards.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "va_dicom_test_XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline std::vector<unsigned char> ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<unsigned char>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void WriteAll(const std::string& path, const std::vector<unsigned char>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

// The pixel description of the endovis clips as H.264 High Profile / Level 4.1.
inline VideoPixelDescription EndovisPixels() {
  VideoPixelDescription p;
  p.transferSyntaxUid = "1.2.840.10008.1.2.4.102";
  p.rows = 1010;
  p.columns = 1264;
  p.numberOfFrames = 23;
  p.frameTimeMs = 500;
  return p;
}

inline NewVideoSpec EndovisSpec(const std::string& clip) {
  NewVideoSpec spec;
  spec.bitstreamPath = clip;
  spec.pixels = EndovisPixels();
  spec.sopClassUid = "1.2.840.10008.5.1.4.1.1.77.1.1.1";
  spec.patientId = "VA-TEST-0001";
  spec.patientName = "Test^Patient";
  spec.patientBirthDate = "19700101";
  spec.patientSex = "O";
  spec.studyDescription = "Robotic surgery (test)";
  spec.seriesDescription = "Endoscope recording";
  spec.accessionNumber = "ACC0001";
  spec.manufacturer = "Test Recorder Inc.";
  spec.modelName = "REC-1";
  spec.lossyCompressionMethod = "ISO_14496_10";
  return spec;
}

// The archival HEVC Main copy of an endovis instance, as the derived-instance tests write it.
inline DerivedVideoSpec HevcSpec(const std::string& bitstream) {
  DerivedVideoSpec spec;
  spec.bitstreamPath = bitstream;
  spec.pixels = EndovisPixels();
  spec.pixels.transferSyntaxUid = kHevcMainUid;
  spec.seriesDescription = "Archival HEVC copy";
  spec.lossyCompressionRatio = 250;
  spec.derivationDescription = "Transcoded from H.264 to HEVC Main, CRF 20, PSNR 48.1 dB";
  return spec;
}

// All values of a string attribute joined by '\'; "" when absent.
inline std::string Get(DcmItem& item, const DcmTagKey& tag) {
  OFString v;
  item.findAndGetOFStringArray(tag, v);
  return v.c_str();
}

// The message of the DicomError that f throws ("" when it throws nothing).
template <typename F>
std::string ErrorOf(F&& f) {
  try {
    f();
  } catch (const DicomError& e) {
    return e.what();
  }
  return "";
}

// Lines of `command` output (stdout + stderr) that start with `prefix`; -1 when the command cannot run.
inline int CountLinesStartingWith(const std::string& command, const std::string& prefix, std::string* all = nullptr) {
  std::FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return -1;
  int count = 0;
  char line[4096];
  while (std::fgets(line, sizeof line, pipe) != nullptr) {
    if (all != nullptr) *all += line;
    if (std::string(line).rfind(prefix, 0) == 0) ++count;
  }
  pclose(pipe);
  return count;
}

}  // namespace va::dicom::test

#define EXPECT_ERROR_MENTIONS(expr, text)                                           \
  do {                                                                              \
    const std::string message_ = ::va::dicom::test::ErrorOf([&] { (void)(expr); }); \
    EXPECT_NE(message_.find(text), std::string::npos) << "message: " << message_;   \
  } while (0)
