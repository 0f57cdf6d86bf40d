// Placeholder until the PostgreSQL engine lands (libpq).
#include "SqlEngines.h"

namespace va::archive {

std::unique_ptr<SqlDatabase> OpenPostgresDatabase(const std::string&) {
  throw SqlError("PostgreSQL: not built yet");
}

}  // namespace va::archive
