// SqlDatabase on embedded SQLite: one connection, serialised by a recursive mutex so that a Transaction body can
// run statements on the same thread while other threads wait.
#include <sqlite3.h>

#include <filesystem>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "SqlEngines.h"
#include "va/archive/SqlDatabase.h"

namespace va::archive {
namespace {

class Prepared {
 public:
  Prepared(sqlite3* db, const std::string& sql) {
    if (sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &stmt_, nullptr) != SQLITE_OK)
      throw SqlError("SQLite: " + std::string(sqlite3_errmsg(db)) + " in '" + sql + "'");
  }
  ~Prepared() { sqlite3_finalize(stmt_); }
  Prepared(const Prepared&) = delete;
  Prepared& operator=(const Prepared&) = delete;
  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

// A cached statement is reset and its bindings cleared when its use ends, whatever happened.
class ResetOnExit {
 public:
  explicit ResetOnExit(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~ResetOnExit() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;

 private:
  sqlite3_stmt* stmt_;
};

class SqliteSqlDatabase : public SqlDatabase {
 public:
  explicit SqliteSqlDatabase(const std::string& path) {
    const auto parent = std::filesystem::path(path).parent_path();
    std::error_code ignored;
    if (!parent.empty()) std::filesystem::create_directories(parent, ignored);
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        nullptr) != SQLITE_OK) {
      const std::string reason = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      throw SqlError("SQLite: cannot open " + path + ": " + reason);
    }
    sqlite3_busy_timeout(db_, 10000);
    try {
      Script("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON");
    } catch (...) {
      sqlite3_close(db_);
      throw;
    }
  }
  ~SqliteSqlDatabase() override {
    statements_.clear();
    sqlite3_close(db_);
  }

  std::string Engine() const override { return "SQLite"; }

  SqlResult Run(const std::string& sql, const std::vector<SqlValue>& params) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    const Prepared& stmt = Statement(sql);
    const ResetOnExit reset(stmt.get());
    if (static_cast<size_t>(sqlite3_bind_parameter_count(stmt.get())) != params.size())
      throw SqlError("SQLite: '" + sql + "' takes " + std::to_string(sqlite3_bind_parameter_count(stmt.get())) +
                     " parameters, " + std::to_string(params.size()) + " given");
    for (size_t i = 0; i < params.size(); ++i) {
      const int index = static_cast<int>(i + 1);
      int rc = SQLITE_OK;
      if (const auto* v = std::get_if<int64_t>(&params[i])) {
        rc = sqlite3_bind_int64(stmt.get(), index, *v);
      } else if (const auto* s = std::get_if<std::string>(&params[i])) {
        rc = sqlite3_bind_text(stmt.get(), index, s->data(), static_cast<int>(s->size()), SQLITE_TRANSIENT);
      } else {
        rc = sqlite3_bind_null(stmt.get(), index);
      }
      if (rc != SQLITE_OK)
        throw SqlError("SQLite: cannot bind parameter " + std::to_string(index) + " of '" + sql + "'");
    }
    SqlResult result;
    for (;;) {
      const int rc = sqlite3_step(stmt.get());
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) throw SqlError("SQLite: " + std::string(sqlite3_errmsg(db_)) + " in '" + sql + "'");
      SqlRow row;
      const int columns = sqlite3_column_count(stmt.get());
      row.values.reserve(static_cast<size_t>(columns));
      for (int c = 0; c < columns; ++c) {
        switch (sqlite3_column_type(stmt.get(), c)) {
          case SQLITE_NULL: row.values.emplace_back(nullptr); break;
          case SQLITE_INTEGER:
            row.values.emplace_back(static_cast<int64_t>(sqlite3_column_int64(stmt.get(), c)));
            break;
          default: {
            const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), c));
            row.values.emplace_back(
                std::string(text ? text : "", static_cast<size_t>(sqlite3_column_bytes(stmt.get(), c))));
          }
        }
      }
      result.rows.push_back(std::move(row));
    }
    result.changes = sqlite3_stmt_readonly(stmt.get()) ? 0 : sqlite3_changes(db_);
    return result;
  }

  void Script(const std::string& sql) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    char* error = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
      const std::string reason = error ? error : "unknown error";
      sqlite3_free(error);
      throw SqlError("SQLite: " + reason);
    }
  }

  void Transaction(const std::function<void()>& body) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    RunTransaction(*this, depth_, "BEGIN IMMEDIATE", body);
  }

 private:
  // Statements are prepared once per SQL text: preparing costs as much as running a small query, and the HTTP
  // filter runs a few per request (bench/security.sh). Bounded: callers build SQL from a few fixed shapes.
  const Prepared& Statement(const std::string& sql) {
    const auto found = statements_.find(sql);
    if (found != statements_.end()) return *found->second;
    if (statements_.size() >= 256) statements_.clear();
    return *statements_.emplace(sql, std::make_unique<Prepared>(db_, sql)).first->second;
  }

  sqlite3* db_ = nullptr;
  std::recursive_mutex mutex_;
  int depth_ = 0;
  std::unordered_map<std::string, std::unique_ptr<Prepared>> statements_;  // finalised before the connection closes
};

}  // namespace

std::unique_ptr<SqlDatabase> OpenSqliteDatabase(const std::string& path) {
  return std::make_unique<SqliteSqlDatabase>(path);
}

}  // namespace va::archive
