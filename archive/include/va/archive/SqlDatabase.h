// One SQL interface over the two catalog engines: embedded SQLite (the default: one file, WAL, synchronous=FULL)
// and PostgreSQL (libpq) for scale-out. Callers write portable SQL with '?' placeholders; the PostgreSQL side
// numbers them ($1, $2...). Portable SQL here means: BIGINT/TEXT/BLOB-free schemas (binary as hex or base64 text),
// INSERT ... ON CONFLICT ... DO NOTHING / DO UPDATE, no AUTOINCREMENT (use an explicit id), no engine-specific
// functions.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace va::archive {

class SqlError : public std::runtime_error {
 public:
  explicit SqlError(const std::string& reason) : std::runtime_error(reason) {}
};

using SqlValue = std::variant<std::nullptr_t, int64_t, std::string>;

struct SqlRow {
  std::vector<SqlValue> values;
  bool IsNull(size_t column) const;
  int64_t Int(size_t column) const;       // NULL -> 0; text is parsed
  std::string Text(size_t column) const;  // NULL -> ""; integers are formatted
};

struct SqlResult {
  std::vector<SqlRow> rows;
  int64_t changes = 0;  // rows inserted, updated or deleted
};

class SqlDatabase {
 public:
  virtual ~SqlDatabase() = default;
  virtual std::string Engine() const = 0;  // "SQLite" or "PostgreSQL"

  // Runs one statement with parameters bound to its '?' placeholders, in order. Safe from several threads (the
  // connection is serialised). Throws SqlError with the engine's message and the statement.
  virtual SqlResult Run(const std::string& sql, const std::vector<SqlValue>& params = {}) = 0;

  // Runs several ';'-separated statements without parameters (schemas).
  virtual void Script(const std::string& sql) = 0;

  // Runs body in one transaction: committed when body returns, rolled back when it throws (then rethrown). Other
  // threads' statements wait until it ends. Nested calls join the outer transaction.
  virtual void Transaction(const std::function<void()>& body) = 0;
};

// engine "SQLite": target is a file path (created with its folder when needed).
// engine "PostgreSQL": target is a libpq connection string ("host=/tmp port=5432 dbname=archive user=..." or a URI).
// Throws SqlError naming the engine and why (never the password).
std::unique_ptr<SqlDatabase> OpenSqlDatabase(const std::string& engine, const std::string& target);

}  // namespace va::archive
