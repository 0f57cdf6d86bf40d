// Reading (ObjectStore::ReadAt): only the chunks a range touches are read and decrypted, from the first tier in
// configured order holding a verified copy; an unreachable tier or a copy failing authentication hands over to the
// next copy (the latter recorded as a fixity mismatch).
#include <algorithm>
#include <cstring>
#include <set>

#include "StoreImpl.h"
#include "va/archive/Envelope.h"

namespace va::archive {

using store::CopyRow;
using store::ObjectRow;
using store::Secret;

namespace {

// A copy whose bytes do not authenticate or are missing.
class CopyCorrupt : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}
}  // namespace

std::shared_ptr<const EnvelopeDecryptor> ObjectStore::Impl::CachedDecryptorOf(const ObjectRow& object) {
  std::lock_guard<std::mutex> lock(cacheMutex);
  for (auto it = cache.begin(); it != cache.end(); ++it) {
    if (it->first == object.id) {
      if (it->second.storedSha256 != object.storedSha256) {
        cache.erase(it);
        return nullptr;
      }
      cache.splice(cache.begin(), cache, it);
      return cache.front().second.decryptor;
    }
  }
  return nullptr;
}

void ObjectStore::Impl::RememberDecryptor(const ObjectRow& object, std::shared_ptr<const EnvelopeDecryptor> decryptor) {
  std::lock_guard<std::mutex> lock(cacheMutex);
  cache.remove_if([&](const auto& entry) { return entry.first == object.id; });
  cache.emplace_front(object.id, CachedDecryptor{object.storedSha256, std::move(decryptor)});
  while (cache.size() > kCacheSize) cache.pop_back();
}

void ObjectStore::Impl::ForgetDecryptor(const std::string& objectId) {
  std::lock_guard<std::mutex> lock(cacheMutex);
  cache.remove_if([&](const auto& entry) { return entry.first == objectId; });
}

std::shared_ptr<const EnvelopeDecryptor> ObjectStore::Impl::LoadDecryptor(const ObjectRow& object, Tier& tier) {
  std::string header(kEnvelopeHeaderSize, '\0');
  const size_t got = tier.ReadAt(object.id, 0, reinterpret_cast<uint8_t*>(header.data()), header.size());
  if (got != header.size()) throw CopyCorrupt("the stored object is shorter than its header");
  std::string dataKey;
  try {
    dataKey = Keys()->Unwrap(store::FromHex(object.wrappedKeyHex), object.keyId);
  } catch (const std::exception& e) {
    throw StoreError(StoreError::Kind::Io, "cannot unwrap the data key of object " + object.id + " (master key " +
                                               object.keyId + "): " + e.what());
  }
  const Secret key(std::move(dataKey));
  try {
    auto decryptor = std::make_shared<const EnvelopeDecryptor>(key.get(), header);
    if (decryptor->Header().plainSize != object.size)
      throw CopyCorrupt("the stored header announces " + std::to_string(decryptor->Header().plainSize) +
                        " bytes, the catalog " + std::to_string(object.size));
    return decryptor;
  } catch (const EnvelopeError& e) {
    throw CopyCorrupt(std::string("bad header: ") + e.what());
  }
}

void ObjectStore::Impl::ReadFromCopy(const ObjectRow& object, Tier& tier, uint64_t offset, uint8_t* buffer,
                                     size_t length) {
  // A cached decryptor came from another copy; when its chunks fail here, retry once with this copy's own header
  // before calling this copy corrupt.
  auto decryptor = CachedDecryptorOf(object);
  const bool fromCache = decryptor != nullptr;
  if (!decryptor) decryptor = LoadDecryptor(object, tier);
  const EnvelopeHeader& header = decryptor->Header();
  const uint64_t end = offset + length;
  const uint64_t first = offset / header.chunkSize;
  const uint64_t last = (end - 1) / header.chunkSize;
  const size_t chunkStored = ChunkStoredSize(header, 0);
  const uint64_t perRead = std::max<uint64_t>(1, store::kRangeSize / std::max<size_t>(chunkStored, 1));
  std::string stored;
  try {
    for (uint64_t group = first; group <= last; group += perRead) {
      const uint64_t groupLast = std::min(last, group + perRead - 1);
      const uint64_t from = ChunkStoredOffset(header, group);
      const uint64_t to = ChunkStoredOffset(header, groupLast) + ChunkStoredSize(header, groupLast);
      stored.resize(static_cast<size_t>(to - from));
      const size_t got = tier.ReadAt(object.id, from, reinterpret_cast<uint8_t*>(stored.data()), stored.size());
      if (got != stored.size())
        throw CopyCorrupt("short read at stored offset " + std::to_string(from) + ": " + std::to_string(got) + " of " +
                          std::to_string(stored.size()) + " bytes");
      for (uint64_t i = group; i <= groupLast; ++i) {
        const uint64_t at = ChunkStoredOffset(header, i) - from;
        const std::string plain = decryptor->DecryptChunk(i, reinterpret_cast<const uint8_t*>(stored.data()) + at,
                                                          ChunkStoredSize(header, i));
        const uint64_t chunkStart = i * header.chunkSize;
        const uint64_t copyFrom = std::max(offset, chunkStart);
        const uint64_t copyTo = std::min(end, chunkStart + plain.size());
        if (copyTo > copyFrom)
          std::memcpy(buffer + (copyFrom - offset), plain.data() + (copyFrom - chunkStart), copyTo - copyFrom);
      }
    }
  } catch (const EnvelopeError& e) {
    if (fromCache) {
      ForgetDecryptor(object.id);
      ReadFromCopy(object, tier, offset, buffer, length);
      return;
    }
    throw CopyCorrupt(e.what());
  }
  if (!fromCache) RememberDecryptor(object, decryptor);
}

void ObjectStore::Impl::MarkCorrupt(const std::string& objectId, const std::string& tier, const std::string& detail,
                                    int64_t now) {
  if (catalog.SetState(objectId, tier, "verified", "corrupt", detail))
    catalog.LogEvent(objectId, "fixity-mismatch", "tier " + tier + ": " + detail, now);
}

size_t ObjectStore::ReadAt(const std::string& id, uint64_t offset, uint8_t* buffer, size_t length, int64_t now) {
  const auto object = impl_->catalog.Object(id);
  if (!object || object->removedAt != 0) throw StoreError(StoreError::Kind::NotFound, "no object " + id);
  if (offset >= object->size || length == 0) return 0;
  length = static_cast<size_t>(std::min<uint64_t>(length, object->size - offset));

  std::vector<std::string> unreachable, problems;
  std::set<std::string> tried;
  // The copies may change while we read (a migration verifies one and frees another): when every copy we knew
  // failed, look again for copies verified meanwhile.
  for (int round = 0; round < 3; ++round) {
    std::vector<CopyRow> untried;
    for (auto& copy : impl_->VerifiedCopies(id)) {
      if (tried.insert(copy.tier).second) untried.push_back(std::move(copy));
    }
    if (untried.empty()) break;
    for (const auto& copy : untried) {
      Tier& tier = *impl_->FindTier(copy.tier);
      try {
        impl_->ReadFromCopy(*object, tier, offset, buffer, length);
      } catch (const TierError& e) {
        if (e.kind() == TierError::Kind::NotFound) {
          impl_->MarkCorrupt(id, copy.tier, std::string("missing: ") + e.what(), now);
          problems.push_back(copy.tier + ": missing");
        } else {
          unreachable.push_back(copy.tier);
          problems.push_back(copy.tier + ": " + e.what());
        }
        continue;
      } catch (const CopyCorrupt& e) {
        impl_->ForgetDecryptor(id);
        impl_->MarkCorrupt(id, copy.tier, e.what(), now);
        problems.push_back(copy.tier + ": " + e.what());
        continue;
      }
      if (now - object->lastAccessAt >= impl_->settings.touchIntervalSeconds) {
        impl_->catalog.Db().Run("UPDATE objects SET last_access_at = ? WHERE id = ? AND last_access_at < ?",
                                {now, id, now});
      }
      return length;
    }
  }
  const auto again = impl_->catalog.Object(id);
  if (!again || again->removedAt != 0) throw StoreError(StoreError::Kind::NotFound, "no object " + id);
  if (!unreachable.empty())
    throw StoreError(StoreError::Kind::Unavailable, "object " + id + " is only in tier(s) " + JoinNames(unreachable) +
                                                        ", which cannot be reached now: " + JoinNames(problems));
  if (problems.empty())
    throw StoreError(StoreError::Kind::Corrupt, "object " + id + " has no verified copy in any configured tier");
  throw StoreError(StoreError::Kind::Corrupt,
                   "every copy of object " + id + " failed its check: " + JoinNames(problems));
}

uint64_t ObjectStore::Size(const std::string& id) {
  const auto object = impl_->catalog.Object(id);
  if (!object || object->removedAt != 0) throw StoreError(StoreError::Kind::NotFound, "no object " + id);
  return object->size;
}

}  // namespace va::archive
