// The engine implementations behind OpenSqlDatabase.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "va/archive/SqlDatabase.h"

namespace va::archive {

std::unique_ptr<SqlDatabase> OpenSqliteDatabase(const std::string& path);
std::unique_ptr<SqlDatabase> OpenPostgresDatabase(const std::string& connection);

// The transaction logic both engines share: body runs between `begin` and COMMIT; a call while depth > 0 joins the
// outer transaction; a throw rolls back (a failed ROLLBACK is ignored: the original error says more) and is
// rethrown. The caller holds its connection's lock.
void RunTransaction(SqlDatabase& db, int& depth, const char* begin, const std::function<void()>& body);

}  // namespace va::archive
