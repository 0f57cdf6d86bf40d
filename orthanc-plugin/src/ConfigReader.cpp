#include "ConfigReader.h"

#include <stdexcept>

namespace va::plugin {

void ConfigReader::Bad(const std::string& where, const std::string& what) const {
  throw std::runtime_error(prefix_ + where + " " + what);
}

void ConfigReader::CheckKnown(const Json::Value& v, const std::string& where,
                              const std::set<std::string>& known) const {
  if (!v.isObject()) Bad(where, "must be an object");
  for (const auto& name : v.getMemberNames()) {
    if (known.count(name) == 0) {
      std::string message = prefix_;
      if (!where.empty()) message += where + ".";
      message += name;
      message += " is not a known option";
      throw std::runtime_error(message);
    }
  }
}

std::string ConfigReader::Str(const Json::Value& v, const char* key, const std::string& where,
                              const std::string& fallback) const {
  if (!v.isMember(key)) return fallback;
  if (!v[key].isString()) Bad(where + key, "must be a string");
  return v[key].asString();
}

bool ConfigReader::Bool(const Json::Value& v, const char* key, const std::string& where, bool fallback) const {
  if (!v.isMember(key)) return fallback;
  if (!v[key].isBool()) Bad(where + key, "must be true or false");
  return v[key].asBool();
}

double ConfigReader::Num(const Json::Value& v, const char* key, const std::string& where, double fallback, double min,
                         double max) const {
  if (!v.isMember(key)) return fallback;
  if (!v[key].isNumeric() || v[key].asDouble() < min || v[key].asDouble() > max)
    Bad(where + key, "must be a number from " + std::to_string(min) + " to " + std::to_string(max));
  return v[key].asDouble();
}

std::vector<std::string> ConfigReader::Strings(const Json::Value& v, const char* key, const std::string& where) const {
  std::vector<std::string> out;
  if (!v.isMember(key)) return out;
  if (!v[key].isArray()) Bad(where + key, "must be a list of strings");
  for (const auto& item : v[key]) {
    if (!item.isString()) Bad(where + key, "must be a list of strings");
    out.push_back(item.asString());
  }
  return out;
}

}  // namespace va::plugin
