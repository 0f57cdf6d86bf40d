// The PostgreSQL engine's '?' -> $n numbering (no server needed).
#include <gtest/gtest.h>

#include "../../../archive/src/sql/PostgresPlaceholders.h"

namespace va::archive {
namespace {

struct Case {
  const char* sql;
  const char* expected;
  size_t parameters;
};

TEST(PostgresPlaceholdersTest, NumbersPlaceholdersOutsideLiteralsIdentifiersAndComments) {
  const Case cases[] = {
      {"", "", 0},
      {"SELECT 1", "SELECT 1", 0},
      {"SELECT ?", "SELECT $1", 1},
      {"INSERT INTO t (a, b, c) VALUES (?,?,?)", "INSERT INTO t (a, b, c) VALUES ($1,$2,$3)", 3},
      {"SELECT * FROM t WHERE a = ? AND b = '?' AND c = ?", "SELECT * FROM t WHERE a = $1 AND b = '?' AND c = $2", 2},
      {"SELECT 'it''s ?', ?", "SELECT 'it''s ?', $1", 1},
      {"SELECT '''?'''||?", "SELECT '''?'''||$1", 1},
      {"SELECT ''?", "SELECT ''$1", 1},  // an empty literal, then a placeholder
      {"SELECT \"we?ird\" FROM \"t\"\"?\" WHERE x=?", "SELECT \"we?ird\" FROM \"t\"\"?\" WHERE x=$1", 1},
      {"SELECT '\"?' , \"'?\", ?", "SELECT '\"?' , \"'?\", $1", 1},  // each quote kind inside the other
      {"SELECT ? -- why?\n, ?", "SELECT $1 -- why?\n, $2", 2},
      {"SELECT ? -- why?", "SELECT $1 -- why?", 1},
      {"SELECT ? - ?", "SELECT $1 - $2", 2},
      {"SELECT /* ? /* ? */ ? */ ?", "SELECT /* ? /* ? */ ? */ $1", 1},  // block comments nest in PostgreSQL
      {"SELECT ?/?", "SELECT $1/$2", 2},
      {"SELECT 'unterminated ?", "SELECT 'unterminated ?", 0},
      {"SELECT /* unterminated ?", "SELECT /* unterminated ?", 0},
      {"SELECT ?,?,?,?,?,?,?,?,?,?,?", "SELECT $1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11", 11},
      {"SELECT 'é?', ?", "SELECT 'é?', $1", 1},
  };
  for (const Case& c : cases) {
    const NumberedStatement out = NumberPlaceholders(c.sql);
    EXPECT_EQ(out.sql, c.expected) << c.sql;
    EXPECT_EQ(out.parameters, c.parameters) << c.sql;
  }
}

}  // namespace
}  // namespace va::archive
