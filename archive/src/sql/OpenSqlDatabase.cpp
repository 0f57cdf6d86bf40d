#include "SqlEngines.h"

namespace va::archive {

std::unique_ptr<SqlDatabase> OpenSqlDatabase(const std::string& engine, const std::string& target) {
  if (engine == "SQLite") return OpenSqliteDatabase(target);
  if (engine == "PostgreSQL") return OpenPostgresDatabase(target);
  throw SqlError("unknown catalog engine '" + engine + "' (SQLite or PostgreSQL)");
}

void RunTransaction(SqlDatabase& db, int& depth, const char* begin, const std::function<void()>& body) {
  if (depth > 0) {
    body();
    return;
  }
  db.Script(begin);
  ++depth;
  try {
    body();
    --depth;
    db.Script("COMMIT");
  } catch (...) {
    depth = 0;
    try {
      db.Script("ROLLBACK");
    } catch (const SqlError&) {
    }
    throw;
  }
}

}  // namespace va::archive
