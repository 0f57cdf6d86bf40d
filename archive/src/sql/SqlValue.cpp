#include <string>

#include "va/archive/SqlDatabase.h"

namespace va::archive {

bool SqlRow::IsNull(size_t column) const {
  return column >= values.size() || std::holds_alternative<std::nullptr_t>(values[column]);
}

int64_t SqlRow::Int(size_t column) const {
  if (column >= values.size()) return 0;
  if (const auto* i = std::get_if<int64_t>(&values[column])) return *i;
  if (const auto* s = std::get_if<std::string>(&values[column])) {
    try {
      return s->empty() ? 0 : std::stoll(*s);
    } catch (const std::exception&) {
      throw SqlError("column " + std::to_string(column) + " is not a number: '" + s->substr(0, 40) + "'");
    }
  }
  return 0;
}

std::string SqlRow::Text(size_t column) const {
  if (column >= values.size()) return {};
  if (const auto* s = std::get_if<std::string>(&values[column])) return *s;
  if (const auto* i = std::get_if<int64_t>(&values[column])) return std::to_string(*i);
  return {};
}

}  // namespace va::archive
