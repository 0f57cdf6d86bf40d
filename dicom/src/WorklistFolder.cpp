// FindInWorklistFolder: the worklist files Orthanc's ModalityWorklists plugin and DCMTK's wlmscpfs serve.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <system_error>

#include "DcmtkSupport.h"
#include "WorklistSupport.h"

namespace va::dicom {
namespace {

bool IsWorklistFile(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".wl";  // Orthanc compares it lower-cased
}

}  // namespace

std::vector<WorklistEntry> FindInWorklistFolder(const std::string& folder, const std::string& accession,
                                                std::vector<std::string>* warnings) {
  detail::EnsureDictionary();
  const std::string wanted = detail::CheckedAccession(accession);
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<std::string> files;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code typeError;
    if (IsWorklistFile(it->path()) && it->is_regular_file(typeError)) files.push_back(it->path().string());
  }
  if (ec) throw DicomError("cannot list the worklist folder '" + folder + "': " + ec.message());
  std::sort(files.begin(), files.end());

  std::vector<WorklistEntry> found;
  const auto warn = [&](const std::string& text) {
    if (warnings != nullptr) warnings->push_back(text);
  };
  for (const std::string& file : files) {
    DcmFileFormat dicom;
    const OFCondition loaded = dicom.loadFile(OFFilename(file.c_str()));
    if (loaded.bad()) {
      warn("skipped worklist file '" + file + "': " + loaded.text());
      continue;
    }
    std::string problem;
    WorklistEntry entry = detail::EntryFromDataset(*dicom.getDataset(), &problem);
    if (entry.accessionNumber != wanted) continue;
    if (!problem.empty()) warn("worklist file '" + file + "': " += problem);
    found.push_back(std::move(entry));
  }
  return found;
}

}  // namespace va::dicom
