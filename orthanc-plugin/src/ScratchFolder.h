// A folder of its own under <WorkDirectory>/scratch for one job or one request: emptied when made (leftovers of a
// run that was killed), removed with everything in it on every way out.
#pragma once

#include <filesystem>
#include <string>

namespace va::plugin {

class ScratchFolder {
 public:
  ScratchFolder(const std::string& workDirectory, const std::string& name)
      : path_(std::filesystem::path(workDirectory) / "scratch" / name) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchFolder(const ScratchFolder&) = delete;
  ScratchFolder& operator=(const ScratchFolder&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string string() const { return path_.string(); }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

}  // namespace va::plugin
