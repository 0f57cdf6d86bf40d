// Verified copies between tiers, shared by migration and scrub repair: stream the stored bytes from a verified copy,
// hash them on the way, then re-read what landed and compare with the catalog before it counts.
#include <algorithm>
#include <cmath>
#include <exception>
#include <thread>

#include "StoreImpl.h"
#include "va/archive/Sha256.h"

namespace va::archive {

using store::ObjectRow;
using store::StopRequested;
using store::TransferError;

namespace store {

void RateLimiter::Account(uint64_t bytes) {
  bytes_ += bytes;
  if (rate_ <= 0) return;
  const auto due = start_ + std::chrono::microseconds(
                                static_cast<int64_t>(static_cast<double>(bytes_) * 1e6 / static_cast<double>(rate_)));
  while (std::chrono::steady_clock::now() < due) {
    if (stop_ && stop_()) throw StopRequested{};
    const auto left = due - std::chrono::steady_clock::now();
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(left, std::chrono::milliseconds(100)));
  }
}

void AddError(RunReport& report, const std::string& error) {
  constexpr size_t kMaxErrors = 50;
  if (report.errors.size() < kMaxErrors) report.errors.push_back(error);
}

}  // namespace store

std::string ObjectStore::Impl::HashOf(Tier& tier, const std::string& key, uint64_t& size, store::RateLimiter* limiter,
                                      const std::function<bool()>& stop) {
  Sha256 hash;
  std::vector<uint8_t> buffer(store::kRangeSize);
  size = 0;
  for (;;) {
    if (stop && stop()) throw StopRequested{};
    const size_t got = tier.ReadAt(key, size, buffer.data(), buffer.size());
    if (got == 0) break;
    hash.Update(buffer.data(), got);
    size += got;
    if (limiter) limiter->Account(got);
  }
  return hash.HexDigest();
}

std::string ObjectStore::Impl::Transfer(const ObjectRow& object, const std::string& targetName, int64_t retainUntil,
                                        store::RateLimiter& limiter, const std::function<bool()>& stop, int64_t now) {
  Tier* target = FindTier(targetName);
  if (target == nullptr) throw TransferError("tier " + targetName + " is not configured", false);
  std::vector<std::string> problems;
  for (const auto& source : VerifiedCopies(object.id)) {
    if (source.tier == targetName) continue;
    Tier& from = *FindTier(source.tier);
    Sha256 streamed;
    uint64_t offset = 0;
    std::exception_ptr sourceFailure;
    bool stopped = false;
    const ByteReader reader = [&](uint8_t* buffer, size_t length) -> size_t {
      if (stop && stop()) {
        stopped = true;
        throw StopRequested{};
      }
      if (offset >= object.storedSize) return 0;
      const size_t want =
          static_cast<size_t>(std::min<uint64_t>({length, store::kRangeSize, object.storedSize - offset}));
      size_t got = 0;
      try {
        got = from.ReadAt(object.id, offset, buffer, want);
      } catch (...) {
        sourceFailure = std::current_exception();
        throw;
      }
      if (got == 0) {
        sourceFailure = std::make_exception_ptr(TierError(TierError::Kind::NotFound, "truncated"));
        std::rethrow_exception(sourceFailure);
      }
      streamed.Update(buffer, got);
      offset += got;
      try {
        limiter.Account(got);
      } catch (const StopRequested&) {
        stopped = true;
        throw;
      }
      return got;
    };
    PutOptions options;
    options.sha256Hex = object.storedSha256;
    options.retainUntil = retainUntil;
    try {
      target->Put(object.id, reader, object.storedSize, options);
    } catch (...) {
      if (stopped) throw StopRequested{};
      if (sourceFailure) {
        try {
          std::rethrow_exception(sourceFailure);
        } catch (const TierError& e) {
          if (e.kind() == TierError::Kind::NotFound) {
            MarkCorrupt(object.id, source.tier, std::string("missing or truncated: ") + e.what(), now);
          }
          problems.push_back("source " + source.tier + ": " + e.what());
        } catch (const std::exception& e) {
          problems.push_back("source " + source.tier + ": " + e.what());
        }
        continue;
      }
      try {
        throw;
      } catch (const TierError& e) {
        throw TransferError("object " + object.id + ": writing to tier " + targetName + " failed: " + e.what(),
                            e.kind() == TierError::Kind::Unavailable || e.kind() == TierError::Kind::NoSpace);
      } catch (const std::exception& e) {
        throw TransferError("object " + object.id + ": writing to tier " + targetName + " failed: " + e.what(), false);
      }
    }
    const std::string streamedHash = streamed.HexDigest();
    if (offset != object.storedSize || streamedHash != object.storedSha256) {
      // The source itself does not match the catalog: it is corrupt; what landed is worthless.
      MarkCorrupt(object.id, source.tier,
                  store::Cat({"expected ", object.storedSha256, ", got ", streamedHash, " (", std::to_string(offset),
                              " bytes) while copying to ", targetName}),
                  now);
      try {
        target->Remove(object.id);
      } catch (const TierError&) {  // state "writing" stays until the next attempt overwrites it
      }
      problems.push_back("source " + source.tier + " does not match its hash");
      continue;
    }
    uint64_t landedSize = 0;
    std::string landed;
    try {
      landed = HashOf(*target, object.id, landedSize, &limiter, stop);
    } catch (const TierError& e) {
      throw TransferError("object " + object.id + ": reading back from tier " + targetName + " failed: " + e.what(),
                          e.kind() == TierError::Kind::Unavailable);
    }
    if (landedSize != object.storedSize || landed != object.storedSha256)
      throw TransferError(store::Cat({"object ", object.id, ": what landed in tier ", targetName, " (",
                                      std::to_string(landedSize), " bytes) hashes to ", landed, ", expected ",
                                      object.storedSha256, " (", std::to_string(object.storedSize), " bytes)"}),
                          false);
    return source.tier;
  }
  throw TransferError("object " + object.id + ": no verified copy could be read to copy to tier " + targetName +
                          (problems.empty() ? std::string() : ": " + problems.front()),
                      false);
}

bool ObjectStore::Impl::WriteCopy(const ObjectRow& object, const std::string& target, int64_t retainUntil,
                                  store::RateLimiter& limiter, const std::function<bool()>& stop, int64_t now,
                                  RunReport& report, const std::string& eventKind) {
  const auto before = catalog.Copy(object.id, target);
  const int failures = before ? before->failures : 0;
  catalog.BeginCopy(object.id, target, now);  // committed before any byte is written: Recover finds it
  std::string source;
  try {
    source = Transfer(object, target, retainUntil, limiter, stop, now);
  } catch (const StopRequested&) {
    catalog.MarkFailed(object.id, target, failures, 0, "interrupted");
    throw;
  } catch (const TransferError& e) {
    const double delay = std::min(settings.retryBaseSeconds * std::pow(2.0, failures), settings.retryMaxSeconds);
    catalog.MarkFailed(object.id, target, failures + 1, now + static_cast<int64_t>(std::ceil(delay)), e.what());
    catalog.LogEvent(object.id, "copy-failed", e.what(), now);
    ++report.failed;
    store::AddError(report, e.what());
    if (e.targetUnavailable()) throw;
    return false;
  }
  report.bytes += static_cast<int64_t>(object.storedSize);
  if (!catalog.MarkVerified(object.id, target, now, retainUntil)) {
    // The object was removed meanwhile: what was written must not stay.
    try {
      FindTier(target)->Remove(object.id);
    } catch (const TierError&) {  // the removal's freeing pass retries
    }
    return false;
  }
  catalog.LogEvent(object.id, eventKind, "from tier " + source + " to tier " + target, now);
  return true;
}

}  // namespace va::archive
