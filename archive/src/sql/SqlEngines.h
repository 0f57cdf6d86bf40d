// The engine implementations behind OpenSqlDatabase.
#pragma once

#include <memory>
#include <string>

#include "va/archive/SqlDatabase.h"

namespace va::archive {

std::unique_ptr<SqlDatabase> OpenSqliteDatabase(const std::string& path);
std::unique_ptr<SqlDatabase> OpenPostgresDatabase(const std::string& connection);

}  // namespace va::archive
