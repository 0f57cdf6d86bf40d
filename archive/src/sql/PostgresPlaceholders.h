// Turns the portable '?' placeholders of SqlDatabase statements into PostgreSQL's numbered $1, $2... A '?' inside a
// string literal ('it''s?'), a double-quoted identifier ("a?b") or a comment (-- ... or /* ... */) is left alone.
#pragma once

#include <cstddef>
#include <string>

namespace va::archive {

struct NumberedStatement {
  std::string sql;        // with $1..$n
  size_t parameters = 0;  // n
};

NumberedStatement NumberPlaceholders(const std::string& sql);

}  // namespace va::archive
