// Master key rotation (ObjectStore::RewrapKeys): data keys wrapped by an older master key are unwrapped and wrapped
// again by the current one. The stored bytes are not touched.
#include <openssl/crypto.h>

#include <ctime>

#include "StoreImpl.h"

namespace va::archive {

void ObjectStore::ReplaceKeyRing(std::shared_ptr<const KeyRing> keys) {
  if (!keys) throw KeyError("no key ring");
  const auto r = impl_->catalog.Db().Run("SELECT DISTINCT key_id FROM objects ORDER BY key_id");
  for (const auto& row : r.rows) {
    if (!keys->Has(row.Text(0)))
      throw KeyError("the new key ring lacks master key " + row.Text(0) +
                     ", which still wraps the data keys of stored objects: keep it until they are re-wrapped");
  }
  impl_->SetKeys(std::move(keys));
}

int64_t ObjectStore::RewrapKeys(const std::function<bool()>& stop) {
  std::lock_guard<std::mutex> lock(impl_->runMutex);
  Impl& d = *impl_;
  const auto keys = d.Keys();
  const std::string current = keys->CurrentId();
  int64_t count = 0;
  std::string after;
  for (;;) {
    const auto r = d.catalog.Db().Run(
        "SELECT id, key_id, wrapped_key FROM objects WHERE key_id <> ? AND id > ? ORDER BY id LIMIT 500",
        {current, after});
    if (r.rows.empty()) break;
    for (const auto& row : r.rows) {
      if (stop && stop()) return count;
      const std::string id = row.Text(0);
      const std::string oldKey = row.Text(1);
      const std::string oldWrapped = row.Text(2);
      after = id;
      const int64_t now = static_cast<int64_t>(std::time(nullptr));
      try {
        std::string dataKey = keys->Unwrap(store::FromHex(oldWrapped), oldKey);
        std::string wrapped;
        try {
          wrapped = keys->Wrap(dataKey, current);
        } catch (...) {
          OPENSSL_cleanse(dataKey.data(), dataKey.size());
          throw;
        }
        OPENSSL_cleanse(dataKey.data(), dataKey.size());
        const auto changed = d.catalog.Db().Run(
            "UPDATE objects SET key_id = ?, wrapped_key = ? WHERE id = ? AND key_id = ? AND wrapped_key = ?",
            {current, store::ToHex(wrapped), id, oldKey, oldWrapped});
        if (changed.changes > 0) {
          ++count;
          d.catalog.LogEvent(id, "rewrapped",
                             store::Cat({"data key re-wrapped from master key ", oldKey, " to ", current}), now);
        }
      } catch (const std::exception& e) {
        d.catalog.LogEvent(id, "rewrap-failed", "master key " + oldKey + ": " + e.what(), now);
      }
    }
  }
  return count;
}

}  // namespace va::archive
