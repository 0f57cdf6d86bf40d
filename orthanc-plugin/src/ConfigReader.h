// Typed reads of one section of the Orthanc configuration, with errors that name the option ("configuration:
// VideoArchive.Storage.Tiers[0].Path must be a string"). Shared by the sections that have many options.
#pragma once

#include <json/json.h>

#include <set>
#include <string>
#include <vector>

namespace va::plugin {

class ConfigReader {
 public:
  explicit ConfigReader(std::string prefix) : prefix_(std::move(prefix)) {}  // e.g. "configuration: VideoArchive.X."

  [[noreturn]] void Bad(const std::string& where, const std::string& what) const;
  // v must be an object whose members are all in known.
  void CheckKnown(const Json::Value& v, const std::string& where, const std::set<std::string>& known) const;
  std::string Str(const Json::Value& v, const char* key, const std::string& where, const std::string& fallback) const;
  bool Bool(const Json::Value& v, const char* key, const std::string& where, bool fallback) const;
  double Num(const Json::Value& v, const char* key, const std::string& where, double fallback, double min,
             double max) const;
  std::vector<std::string> Strings(const Json::Value& v, const char* key, const std::string& where) const;

 private:
  std::string prefix_;
};

}  // namespace va::plugin
