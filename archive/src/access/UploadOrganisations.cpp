// Which organisation made an upload: its instances belong to that organisation once stored.
#include "va/archive/AccessStore.h"

namespace va::archive {

namespace {

void EnsureTable(SqlDatabase& db) {
  db.Script("CREATE TABLE IF NOT EXISTS access_uploads (upload_id TEXT PRIMARY KEY, organisation TEXT NOT NULL)");
}

}  // namespace

void AccessStore::RecordUploadOrganisation(const std::string& uploadId, const std::string& organisation) {
  EnsureTable(db_);
  db_.Run(
      "INSERT INTO access_uploads (upload_id, organisation) VALUES (?, ?) "
      "ON CONFLICT (upload_id) DO UPDATE SET organisation = excluded.organisation",
      {uploadId, organisation});
}

std::string AccessStore::UploadOrganisation(const std::string& uploadId) const {
  EnsureTable(db_);
  const SqlResult result = db_.Run("SELECT organisation FROM access_uploads WHERE upload_id = ?", {uploadId});
  return result.rows.empty() ? "" : result.rows.front().Text(0);
}

}  // namespace va::archive
