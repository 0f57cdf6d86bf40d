#include "DeletionRequest.h"

#include <cctype>
#include <vector>

namespace va::plugin {

namespace {

std::vector<std::string> Segments(const std::string& uri) {
  std::vector<std::string> out;
  std::string current;
  for (char c : uri) {
    if (c == '/') {
      if (!current.empty()) out.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) out.push_back(current);
  return out;
}

bool IsResourceId(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!(std::isxdigit(static_cast<unsigned char>(c)) || c == '-')) return false;
  }
  return true;
}

}  // namespace

std::optional<DeletionTarget> DeletionTargetOf(const std::string& method, const std::string& uri) {
  const auto parts = Segments(uri);
  if (method == "POST" && parts.size() == 2 && parts[0] == "tools" && parts[1] == "bulk-delete")
    return DeletionTarget{"", "", true};
  if (method != "DELETE" || parts.size() != 2 || !IsResourceId(parts[1])) return std::nullopt;
  static const std::pair<const char*, const char*> levels[] = {
      {"patients", "patient"}, {"studies", "study"}, {"series", "series"}, {"instances", "instance"}};
  for (const auto& [route, level] : levels) {
    if (parts[0] == route) return DeletionTarget{level, parts[1], false};
  }
  return std::nullopt;
}

}  // namespace va::plugin
