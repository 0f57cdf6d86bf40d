#include "SqlEngines.h"

namespace va::archive {

std::unique_ptr<SqlDatabase> OpenSqlDatabase(const std::string& engine, const std::string& target) {
  if (engine == "SQLite") return OpenSqliteDatabase(target);
  if (engine == "PostgreSQL") return OpenPostgresDatabase(target);
  throw SqlError("unknown catalog engine '" + engine + "' (SQLite or PostgreSQL)");
}

}  // namespace va::archive
