#include "PostgresPlaceholders.h"

namespace va::archive {

NumberedStatement NumberPlaceholders(const std::string& sql) {
  NumberedStatement out;
  out.sql.reserve(sql.size() + 16);
  const size_t n = sql.size();
  size_t i = 0;
  // Copies a quoted run starting at sql[i] (the opening quote) up to and including its closing quote; a doubled
  // quote inside is an escaped quote. An unterminated run goes to the end (the server reports the syntax error).
  const auto copyQuoted = [&](char quote) {
    out.sql += sql[i++];
    while (i < n) {
      const char c = sql[i++];
      out.sql += c;
      if (c == quote) {
        if (i < n && sql[i] == quote) {
          out.sql += sql[i++];
        } else {
          return;
        }
      }
    }
  };
  while (i < n) {
    const char c = sql[i];
    if (c == '\'' || c == '"') {
      copyQuoted(c);
    } else if (c == '-' && i + 1 < n && sql[i + 1] == '-') {
      const size_t end = sql.find('\n', i);
      const size_t stop = end == std::string::npos ? n : end;
      out.sql.append(sql, i, stop - i);
      i = stop;
    } else if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
      // PostgreSQL block comments nest.
      size_t depth = 0;
      const size_t start = i;
      while (i < n) {
        if (sql[i] == '/' && i + 1 < n && sql[i + 1] == '*') {
          ++depth;
          i += 2;
        } else if (sql[i] == '*' && i + 1 < n && sql[i + 1] == '/') {
          i += 2;
          if (--depth == 0) break;
        } else {
          ++i;
        }
      }
      out.sql.append(sql, start, i - start);
    } else if (c == '?') {
      out.sql += '$';
      out.sql += std::to_string(++out.parameters);
      ++i;
    } else {
      out.sql += c;
      ++i;
    }
  }
  return out;
}

}  // namespace va::archive
