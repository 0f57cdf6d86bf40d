#include "SqliteDatabase.h"

#include "va/archive/Catalog.h"

namespace va::archive {

sqlite3* OpenDatabase(const std::string& path, const char* schema, const char* what) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr) !=
      SQLITE_OK) {
    const std::string reason = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    throw CatalogError(std::string(what) + ": cannot open " + path + ": " + reason);
  }
  sqlite3_busy_timeout(db, 10000);
  try {
    ExecSql(db, "PRAGMA journal_mode=WAL", what);
    ExecSql(db, "PRAGMA synchronous=FULL", what);
    ExecSql(db, schema, what);
  } catch (...) {
    sqlite3_close(db);
    throw;
  }
  return db;
}

void ExecSql(sqlite3* db, const char* sql, const char* what) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    const std::string reason = error ? error : "unknown error";
    sqlite3_free(error);
    throw CatalogError(std::string(what) + ": " + reason);
  }
}

}  // namespace va::archive
