// Opening the archive's SQLite databases the one way they must be opened, and running plain SQL with errors that
// say which database failed.
#pragma once

#include <sqlite3.h>

#include <string>

namespace va::archive {

// Opens (creating when needed) the database at path in WAL mode with synchronous=FULL: a committed row survives
// power loss and kill -9, and readers never block the writer. Then applies schema. what names the database in
// errors ("catalog", "uploads"). Throws CatalogError; never leaks the handle.
sqlite3* OpenDatabase(const std::string& path, const char* schema, const char* what);

// Runs SQL without results; throws CatalogError prefixed by what.
void ExecSql(sqlite3* db, const char* sql, const char* what);

}  // namespace va::archive
