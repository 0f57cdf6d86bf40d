// The object store's front: construction, create, state, statistics and events (ObjectStore.h). Reading is in
// Read.cpp, removal and recovery in Removal.cpp.
#include "va/archive/ObjectStore.h"

#include <algorithm>
#include <future>
#include <map>

#include "StoreImpl.h"
#include "va/archive/Envelope.h"
#include "va/archive/Sha256.h"

namespace va::archive {

using store::CopyRow;
using store::ObjectRow;
using store::Secret;

namespace {

bool ValidObjectId(const std::string& id) {
  if (id.empty() || id.size() > 128 || id.find("..") != std::string::npos) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.';
  });
}

}  // namespace

// --- Impl helpers shared by the parts ---

Tier* ObjectStore::Impl::FindTier(const std::string& name) const {
  for (const auto& tier : tiers) {
    if (tier->Info().name == name) return tier.get();
  }
  return nullptr;
}

size_t ObjectStore::Impl::TierRank(const std::string& name) const {
  for (size_t i = 0; i < tiers.size(); ++i) {
    if (tiers[i]->Info().name == name) return i;
  }
  return tiers.size();
}

std::vector<TierPlace> ObjectStore::Impl::Places() const {
  std::vector<TierPlace> places;
  for (const auto& tier : tiers) places.push_back({tier->Info().name, tier->Info().country});
  return places;
}

std::vector<CopyRow> ObjectStore::Impl::VerifiedCopies(const std::string& objectId) {
  std::vector<CopyRow> verified;
  for (auto& copy : catalog.Copies(objectId)) {
    if (copy.state == "verified" && FindTier(copy.tier) != nullptr) verified.push_back(std::move(copy));
  }
  std::stable_sort(verified.begin(), verified.end(),
                   [&](const CopyRow& a, const CopyRow& b) { return TierRank(a.tier) < TierRank(b.tier); });
  return verified;
}

ObjectState ObjectStore::Impl::StateOf(const ObjectRow& o) {
  ObjectState s;
  s.id = o.id;
  s.contentType = o.contentType;
  s.size = o.size;
  s.storedSize = o.storedSize;
  s.sha256 = o.sha256;
  s.storedSha256 = o.storedSha256;
  s.keyId = o.keyId;
  s.createdAt = o.createdAt;
  s.lastAccessAt = o.lastAccessAt;
  s.retainUntil = o.retainUntil;
  s.facts = o.facts;
  s.holds = HoldsCoveringFacts(o.facts);
  for (const auto& c : catalog.Copies(o.id)) {
    CopyState copy;
    copy.tier = c.tier;
    copy.state = c.state;
    copy.verifiedAt = c.verifiedAt;
    copy.checkedAt = c.checkedAt;
    copy.failures = c.failures;
    copy.lastError = c.lastError;
    s.copies.push_back(std::move(copy));
  }
  return s;
}

// --- ObjectStore ---

ObjectStore::ObjectStore(std::unique_ptr<SqlDatabase> catalog, std::vector<std::shared_ptr<Tier>> tiers,
                         std::shared_ptr<const KeyRing> keys, StoreSettings settings)
    : impl_(std::make_unique<Impl>(std::move(catalog), std::move(tiers), std::move(keys), std::move(settings))) {
  if (!impl_->keys) throw StoreError(StoreError::Kind::Io, "object store: no key ring");
  if (impl_->FindTier(impl_->settings.hotTier) == nullptr)
    throw StoreError(StoreError::Kind::Io,
                     "object store: the hot tier '" + impl_->settings.hotTier + "' is not among the configured tiers");
}

ObjectStore::~ObjectStore() = default;

const StoreSettings& ObjectStore::Settings() const {
  return impl_->settings;
}
const std::vector<std::shared_ptr<Tier>>& ObjectStore::Tiers() const {
  return impl_->tiers;
}

void ObjectStore::Create(const std::string& id, int contentType, const uint8_t* data, size_t size,
                         const ObjectFacts& facts, int64_t now) {
  if (!ValidObjectId(id)) throw StoreError(StoreError::Kind::Io, "invalid object id '" + id + "'");
  if (impl_->catalog.Object(id))
    throw StoreError(StoreError::Kind::Io, "object " + id + " already exists: it is not overwritten");
  Tier& hot = *impl_->FindTier(impl_->settings.hotTier);
  const StoreSettings& settings = impl_->settings;

  // Retention as the rules see it now; raised to the patient's when recorded.
  int64_t lastVisit = facts.studyDate;
  if (!facts.patientId.empty()) {
    const auto r = impl_->catalog.Db().Run("SELECT last_visit FROM patients WHERE organisation = ? AND patient_id = ?",
                                           {facts.organisation, facts.patientId});
    if (!r.rows.empty()) lastVisit = std::max(lastVisit, r.rows.front().Int(0));
  }
  const int64_t ownRetention =
      RetainUntil(settings.retention, settings.jurisdictions, facts.organisation, lastVisit, now);

  const auto keys = impl_->Keys();
  std::string wrapped;
  std::unique_ptr<EnvelopeEncryptor> encryptor;
  {
    const Secret dataKey(NewDataKey());
    wrapped = keys->Wrap(dataKey.get(), keys->CurrentId());
    encryptor = std::make_unique<EnvelopeEncryptor>(dataKey.get(), size, settings.chunkSize);
  }
  const EnvelopeHeader& header = encryptor->Header();
  const uint64_t storedSize = StoredSize(header);

  // The plain bytes' digest is computed on another core while this one encrypts, hashes and writes: in series, the
  // two SHA-256 passes alone took longer than the whole plain write (bench/RESULTS.md, storage). The future joins
  // in its destructor on every path.
  std::future<std::string> plainDigest = std::async(std::launch::async, [data, size] {
    Sha256 plainHash;
    plainHash.Update(data, size);
    return plainHash.HexDigest();
  });
  Sha256 storedHash;
  // Pulls header, then one chunk at a time. The next chunk is encrypted and hashed on another core while the tier
  // writes the current one (at most two encrypted chunks are held); chunks are hashed in order, each task starting
  // after the previous one was taken.
  std::string pending = encryptor->HeaderBytes();
  storedHash.Update(pending.data(), pending.size());
  size_t pendingAt = 0;
  uint64_t nextChunk = 0;
  const uint64_t chunks = ChunkCount(header);
  const auto prepare = [&](uint64_t index) {
    return std::async(std::launch::async, [&, index] {
      const uint64_t from = index * header.chunkSize;
      const size_t plainLength = static_cast<size_t>(std::min<uint64_t>(header.chunkSize, size - from));
      std::string piece = encryptor->EncryptChunk(index, data + from, plainLength);
      storedHash.Update(piece.data(), piece.size());
      return piece;
    });
  };
  std::future<std::string> next = prepare(0);  // an envelope has at least one chunk
  uint64_t produced = 0;
  const ByteReader reader = [&](uint8_t* out, size_t capacity) -> size_t {
    size_t filled = 0;
    while (filled < capacity) {
      if (pendingAt == pending.size()) {
        if (nextChunk == chunks) break;
        pending = next.get();
        pendingAt = 0;
        ++nextChunk;
        if (nextChunk < chunks) next = prepare(nextChunk);
      }
      const size_t n = std::min(capacity - filled, pending.size() - pendingAt);
      std::copy_n(pending.data() + pendingAt, n, out + filled);
      pendingAt += n;
      filled += n;
    }
    produced += filled;
    return filled;
  };
  PutOptions options;
  options.retainUntil = ownRetention;
  // The intent is committed before the first byte reaches the tier: a crash from here until the object is recorded
  // leaves a row that Recover follows to the orphaned copy. A leftover of an earlier attempt at the same ID (the
  // host retrying after a crash) is taken over: this attempt overwrites its copy, and records or removes it.
  impl_->catalog.BeginCreate(id, settings.hotTier, now);
  // Removes whatever this attempt (or the one it took over) left in the hot tier, then the intent; when the tier
  // does not answer, the intent stays for Recover.
  const auto abandon = [&] {
    try {
      hot.Remove(id);
      impl_->catalog.EndCreate(id, settings.hotTier);
    } catch (const std::exception&) {  // Recover retries; the caller's error says more
    }
  };
  try {
    hot.Put(id, reader, storedSize, options);
  } catch (const TierError& e) {
    abandon();
    switch (e.kind()) {
      case TierError::Kind::NoSpace:
        throw StoreError(StoreError::Kind::NoSpace, "object " + id + " (" + std::to_string(size) +
                                                        " bytes) was not stored: the hot tier " + settings.hotTier +
                                                        " is full: " + e.what());
      case TierError::Kind::Unavailable:
        throw StoreError(StoreError::Kind::Unavailable, "object " + id + " was not stored: the hot tier " +
                                                            settings.hotTier + " cannot be reached now: " + e.what());
      default:
        throw StoreError(StoreError::Kind::Io,
                         "object " + id + " was not stored in the hot tier " + settings.hotTier + ": " + e.what());
    }
  } catch (const std::exception&) {
    abandon();
    throw;
  }
  if (produced != storedSize) {
    abandon();
    throw StoreError(StoreError::Kind::Io, "object " + id + ": the hot tier " + settings.hotTier + " took " +
                                               std::to_string(produced) + " of " + std::to_string(storedSize) +
                                               " bytes");
  }

  ObjectRow row;
  row.id = id;
  row.contentType = contentType;
  row.size = size;
  row.storedSize = storedSize;
  row.sha256 = plainDigest.get();
  row.storedSha256 = storedHash.HexDigest();
  row.keyId = keys->CurrentId();
  row.wrappedKeyHex = store::ToHex(wrapped);
  row.createdAt = now;
  row.lastAccessAt = now;
  row.facts = facts;
  bool createdElsewhere = false;
  try {
    impl_->catalog.Db().Transaction([&] {
      if (impl_->catalog.Object(id)) {
        // A concurrent create of the same ID (another thread or process) won: the tier copy is its own now.
        createdElsewhere = true;
        throw StoreError(StoreError::Kind::Io, "a concurrent create of the same ID recorded it first");
      }
      // The intent goes in the transaction that records the object. Gone means a recovery (another process
      // starting) took this write for an orphan and removes its copy: the object must not be recorded.
      if (!impl_->catalog.EndCreate(id, settings.hotTier))
        throw StoreError(StoreError::Kind::Io, "its creation intent was cleaned up by a recovery meanwhile");
      int64_t patientRetention = 0;
      if (!facts.patientId.empty())
        patientRetention =
            impl_->RecordVisitInTransaction(facts.organisation, facts.patientId, facts.studyDate, now).second;
      row.retainUntil = std::max(ownRetention, patientRetention);
      impl_->catalog.InsertObject(row);
      impl_->catalog.InsertVerifiedCopy(id, settings.hotTier, now, ownRetention);
      impl_->catalog.LogEvent(
          id, "created", "tier " + settings.hotTier + ", " + std::to_string(size) + " bytes, key " + row.keyId, now);
    });
  } catch (const std::exception& e) {
    if (!createdElsewhere) abandon();
    throw StoreError(StoreError::Kind::Io, "object " + id + " was not recorded in the catalog: " + e.what());
  }
}

std::optional<ObjectState> ObjectStore::State(const std::string& id, int64_t /*now*/) {
  const auto object = impl_->catalog.Object(id);
  if (!object || object->removedAt != 0) return std::nullopt;
  return impl_->StateOf(*object);
}

std::vector<ObjectState> ObjectStore::StatesOfStudy(const std::string& studyUid, int64_t /*now*/) {
  std::vector<ObjectState> states;
  for (const auto& o : impl_->catalog.ObjectsOfStudy(studyUid)) states.push_back(impl_->StateOf(o));
  return states;
}

std::vector<TierStats> ObjectStore::Stats() {
  std::map<std::string, TierStats> byTier;
  for (const auto& tier : impl_->tiers) {
    TierStats& s = byTier[tier->Info().name];
    s.tier = tier->Info().name;
    s.kind = tier->Info().kind;
    s.country = tier->Info().country;
  }
  const auto r = impl_->catalog.Db().Run(
      "SELECT c.tier, c.state, COUNT(*), SUM(o.stored_size) FROM copies c JOIN objects o ON o.id = c.object_id "
      "GROUP BY c.tier, c.state");
  for (const auto& row : r.rows) {
    TierStats& s = byTier[row.Text(0)];
    s.tier = row.Text(0);
    const std::string state = row.Text(1);
    if (state == "verified") {
      s.objects += row.Int(2);
      s.bytes += row.Int(3);
    } else if (state == "corrupt") {
      s.corrupt += row.Int(2);
    } else {
      s.pending += row.Int(2);
    }
  }
  std::vector<TierStats> out;
  for (const auto& tier : impl_->tiers) out.push_back(byTier[tier->Info().name]);
  for (const auto& [name, s] : byTier) {
    if (impl_->FindTier(name) == nullptr) out.push_back(s);  // copies in a tier no longer configured
  }
  return out;
}

void ObjectStore::LogEvent(const std::string& objectId, const std::string& kind, const std::string& detail,
                           int64_t now) {
  impl_->catalog.LogEvent(objectId, kind, detail, now);
}

std::vector<ObjectStore::Event> ObjectStore::Events(const std::string& objectId, size_t limit) {
  const auto r = impl_->catalog.Db().Run(
      "SELECT at, object_id, kind, detail FROM events WHERE object_id = ? ORDER BY id DESC LIMIT ?",
      {objectId, static_cast<int64_t>(limit)});
  std::vector<Event> events;
  for (auto it = r.rows.rbegin(); it != r.rows.rend(); ++it)
    events.push_back({it->Int(0), it->Text(1), it->Text(2), it->Text(3)});
  return events;
}

}  // namespace va::archive
