#include "va/verify/PackageVerifier.h"

#include <filesystem>
#include <fstream>
#include <map>

#include "va/archive/LegalPackage.h"
#include "va/archive/Sha256.h"
#include "va/dicom/HeaderAttributes.h"

namespace va::verify {
namespace {

struct ExtractedFile {
  archive::PackageEntry entry;
  std::string path;
  bool verified = false;
};

// Keeps every file the manifest lists, verified or not: a file that fails its hash is still examined, to say which
// attribute or which picture changed.
class KeepAllSink : public archive::PackageFileSink {
 public:
  explicit KeepAllSink(std::filesystem::path folder) : folder_(std::move(folder)) {
    std::filesystem::create_directories(folder_);
  }
  void Begin(const archive::PackageEntry& expected) override {
    ExtractedFile f;
    f.entry = expected;
    // Named by position, never by the package's own names: nothing in the package chooses where we write.
    f.path = (folder_ / (std::to_string(files.size()) + Extension(expected.name))).string();
    out_.open(f.path, std::ios::binary | std::ios::trunc);
    if (!out_) throw std::runtime_error("cannot write " + f.path);
    files.push_back(f);
  }
  void Write(const char* data, size_t size) override { out_.write(data, static_cast<std::streamsize>(size)); }
  void End(bool verified) override {
    out_.close();
    files.back().verified = verified;
  }
  std::vector<ExtractedFile> files;

 private:
  static std::string Extension(const std::string& name) {
    const std::string ext = std::filesystem::path(name).extension().string();
    return ext.size() <= 5 ? ext : "";
  }
  std::filesystem::path folder_;
  std::ofstream out_;
};

// The signed digest of every header attribute of one DICOM file, from the manifest's "header" lines.
using SignedHeader = std::map<std::string, std::pair<std::string, std::string>>;  // tag -> (keyword, sha256)

void CompareHeader(const ExtractedFile& f, const SignedHeader& signedHeader, Json::Value& problems) {
  std::vector<dicom::HeaderAttribute> now;
  try {
    now = dicom::ListHeaderAttributes(f.path);
  } catch (const std::exception& e) {
    problems.append("file " + f.entry.name + ": not readable as DICOM (" + e.what() + ")");
    return;
  }
  std::map<std::string, bool> seen;
  for (const dicom::HeaderAttribute& a : now) {
    seen[a.tag] = true;
    const auto it = signedHeader.find(a.tag);
    const std::string label = a.tag + (a.keyword.empty() ? "" : " " + a.keyword);
    if (it == signedHeader.end()) {
      problems.append("file " + f.entry.name + ": attribute " + label + " is not in the signed manifest (added)");
      continue;
    }
    archive::Sha256 h;
    h.Update(a.value.data(), a.value.size());
    if (h.HexDigest() != it->second.second)
      problems.append("file " + f.entry.name + ": attribute " + label + " differs from the signed manifest");
  }
  for (const auto& [tag, signedValue] : signedHeader)
    if (!seen.count(tag))
      problems.append("file " + f.entry.name + ": attribute " + tag + " " + signedValue.first +
                      " is in the signed manifest but no longer in the file (removed)");
}

}  // namespace

Json::Value VerifyPackage(const std::string& tarPath, const VerifyKeys& keys, const std::string& scratchDirectory) {
  Json::Value report(Json::objectValue);
  Json::Value problems(Json::arrayValue);
  report["Package"]["File"] = std::filesystem::path(tarPath).filename().string();
  const std::filesystem::path folder = std::filesystem::path(scratchDirectory) / "package";
  KeepAllSink sink(folder);
  const archive::PackageVerification pv = archive::VerifyLegalPackage(tarPath, keys.publicKeyPem, &sink);
  Json::Value& p = report["Package"];
  p["ManifestAuthentic"] = pv.ok;
  p["KeyTrusted"] = pv.keyTrusted;
  p["KeyId"] = pv.keyId;
  p["StudyInstanceUID"] = pv.studyUid;
  p["Created"] = pv.createdAt;
  p["Software"] = pv.software;
  p["Files"] = pv.files;
  p["ManifestLines"] = pv.manifestLines;
  p["CustodyEvents"] = static_cast<Json::UInt64>(pv.custody.size());
  for (const std::string& problem : pv.problems) problems.append(problem);
  for (const std::string& note : pv.notes) report["Notes"].append(note);

  std::map<std::string, SignedHeader> headers;
  for (const archive::CustodyEvent& e : pv.custody) {
    if (e.kind != "header") continue;
    std::string tag, keyword, sha;
    for (const auto& [k, v] : e.details) {
      if (k == "tag") tag = v;
      if (k == "keyword") keyword = v;
      if (k == "sha256") sha = v;
    }
    headers[e.subject][tag] = {keyword, sha};
  }

  bool filesIntact = true;
  Json::Value files(Json::arrayValue);
  for (const ExtractedFile& f : sink.files) {
    Json::Value fv(Json::objectValue);
    fv["Name"] = f.entry.name;
    fv["Role"] = f.entry.role;
    fv["MatchesManifest"] = f.verified;
    if (f.entry.role == "dicom") {
      const auto it = headers.find(f.entry.name);
      if (it != headers.end()) {
        const Json::ArrayIndex before = problems.size();
        CompareHeader(f, it->second, problems);
        fv["HeaderMatchesManifest"] = problems.size() == before;
      } else {
        problems.append("file " + f.entry.name + ": the manifest holds no signed header attributes for it");
      }
    }
    if (f.entry.role == "dicom" || f.entry.role == "mp4" || f.entry.role == "mpeg2") {
      const Json::Value inner = VerifyFile(f.path, keys, scratchDirectory);
      fv["Verdict"] = inner["Verdict"];
      fv["Signature"] = inner["Signature"].get("Status", "");
      fv["HashChain"] = inner["HashChain"].get("Status", "");
      if (inner.isMember("Watermark")) fv["Watermark"] = inner["Watermark"];
      // An unsigned file (an original as the modality sent it) rests on the manifest's hash alone.
      if (inner["Verdict"].asString() == "altered" || inner["Verdict"].asString() == "unreadable") {
        filesIntact = false;
        for (const Json::Value& problem : inner["Problems"])
          problems.append("file " + f.entry.name + ": " + problem.asString());
      }
    }
    files.append(fv);
  }
  report["Files"] = files;
  std::error_code ignored;
  std::filesystem::remove_all(folder, ignored);
  report["Verdict"] = pv.ok && filesIntact && problems.empty() ? "intact" : "altered";
  report["Problems"] = problems;
  return report;
}

}  // namespace va::verify
