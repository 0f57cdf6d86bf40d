#include "StoredVideo.h"

#include <algorithm>
#include <filesystem>
#include <list>
#include <mutex>
#include <unordered_map>

#include "HttpHelpers.h"
#include "LargeStack.h"
#include "OrthancApi.h"
#include "SourceAttachment.h"
#include "StorageArea.h"
#include "va/dicom/BitstreamLocation.h"
#include "va/dicom/TransferSyntaxTable.h"

namespace va::plugin {

namespace {

std::string CodecOfSyntax(const std::string& uid) {
  const dicom::VideoTransferSyntax* info = dicom::FindVideoTransferSyntax(uid);
  if (info == nullptr) return "";
  switch (info->codec) {
    case dicom::VideoCodec::Mpeg2: return "mpeg2video";
    case dicom::VideoCodec::H264: return "h264";
    case dicom::VideoCodec::Hevc: return "hevc";
  }
  return "";
}

std::string SniffContainer(const codec::ByteSource& bytes) {
  uint8_t head[376] = {};
  const size_t n = bytes.ReadAt(0, head, sizeof head);
  if (n >= 8 && head[4] == 'f' && head[5] == 't' && head[6] == 'y' && head[7] == 'p') return "mp4";
  if (n >= 189 && head[0] == 0x47 && head[188] == 0x47) return "mpegts";
  if (n >= 4 && head[0] == 0 && head[1] == 0 && head[2] == 1 && head[3] == 0xBA) return "mpeg";  // program stream
  if (n >= 4 && head[0] == 0 && head[1] == 0 && head[2] == 1 && head[3] == 0xB3) return "mpeg";  // elementary
  return "mp4";  // moov-first files always start with ftyp; let the demuxer decide for the rest
}

std::vector<codec::FileSpan> Spans(const dicom::BitstreamLocation& loc) {
  std::vector<codec::FileSpan> spans;
  spans.reserve(loc.fragments.size());
  for (const auto& f : loc.fragments) spans.push_back(codec::FileSpan{f.fileOffset, f.length});
  return spans;
}

void Describe(StoredVideo& v, const dicom::BitstreamLocation& loc) {
  v.sopInstanceUid = loc.header.sopInstanceUid;
  v.studyInstanceUid = loc.header.studyInstanceUid;
  v.seriesInstanceUid = loc.header.seriesInstanceUid;
  v.sopClassUid = loc.header.sopClassUid;
  v.transferSyntaxUid = loc.header.transferSyntaxUid;
  v.rows = loc.header.rows;
  v.columns = loc.header.columns;
  v.numberOfFrames = loc.header.numberOfFrames;
  v.frameTimeMs = loc.header.frameTimeMs > 0 ? loc.header.frameTimeMs
                                             : (loc.header.cineRate > 0 ? 1000.0 / loc.header.cineRate : 0);
  v.codec = CodecOfSyntax(v.transferSyntaxUid);
}

// A few hundred located videos: enough for every stream a busy server plays at once.
class LocationCache {
 public:
  std::shared_ptr<const StoredVideo> Find(const std::string& id) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = map_.find(id);
    if (it == map_.end()) return nullptr;
    order_.splice(order_.begin(), order_, it->second.second);
    return it->second.first;
  }
  void Put(const std::string& id, std::shared_ptr<const StoredVideo> v) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = map_.find(id);
    if (it != map_.end()) {
      order_.erase(it->second.second);
      map_.erase(it);
    }
    order_.push_front(id);
    map_[id] = {std::move(v), order_.begin()};
    while (map_.size() > kCapacity) {
      map_.erase(order_.back());
      order_.pop_back();
    }
  }
  void Drop(const std::string& id) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = map_.find(id);
    if (it == map_.end()) return;
    order_.erase(it->second.second);
    map_.erase(it);
  }

 private:
  static constexpr size_t kCapacity = 256;
  std::mutex mutex_;
  std::list<std::string> order_;
  std::unordered_map<std::string, std::pair<std::shared_ptr<const StoredVideo>, std::list<std::string>::iterator>> map_;
};

LocationCache& Cache() {
  static LocationCache cache;
  return cache;
}

bool LooksLikeOrthancId(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!(std::isxdigit(static_cast<unsigned char>(c)) || c == '-')) return false;
  }
  return true;
}

// The spans of an attachment in the archive's storage, read (and decrypted) chunk by chunk through the object
// store: a seek in a cold video fetches only the chunks it needs. Storage errors (a tier that cannot be reached)
// pass through as archive::StoreError so that the HTTP answer says 503.
class StoredSpans : public codec::ByteSource {
 public:
  StoredSpans(archive::ObjectStore& store, std::string uuid, std::vector<codec::FileSpan> spans)
      : store_(store), uuid_(std::move(uuid)), spans_(std::move(spans)) {
    for (const auto& s : spans_) size_ += s.length;
  }
  uint64_t Size() const override { return size_; }
  size_t ReadAt(uint64_t offset, uint8_t* buffer, size_t length) const override {
    size_t done = 0;
    uint64_t spanStart = 0;
    for (const auto& s : spans_) {
      if (done == length) break;
      const uint64_t at = offset + done;
      if (at < spanStart + s.length) {
        const uint64_t within = at - spanStart;
        const size_t want = static_cast<size_t>(std::min<uint64_t>(length - done, s.length - within));
        size_t got = 0;
        while (got < want) {
          const size_t n = store_.ReadAt(uuid_, s.offset + within + got, buffer + done + got, want - got, NowSeconds());
          if (n == 0) throw codec::CodecError("attachment " + uuid_ + " ended before its Pixel Data did");
          got += n;
        }
        done += want;
      }
      spanStart += s.length;
    }
    return done;
  }
  std::string Name() const override { return "attachment " + uuid_; }

 private:
  archive::ObjectStore& store_;
  std::string uuid_;
  std::vector<codec::FileSpan> spans_;
  uint64_t size_ = 0;
};

// The attachment UUID of an instance's DICOM file when the archive's storage holds it; "" otherwise (legacy file).
std::string StoredAttachment(const PluginState& state, const std::string& instanceId) {
  if (!state.store) return "";
  std::string uuid = DicomAttachmentUuid(instanceId);
  if (uuid.empty()) return "";
  try {
    state.store->Size(uuid);
    return uuid;
  } catch (const archive::StoreError& e) {
    if (e.kind() == archive::StoreError::Kind::NotFound) return "";
    throw;
  }
}

bool StillStored(const PluginState& state, const StoredVideo& v) {
  std::error_code ec;
  if (v.attachmentUuid.empty()) return std::filesystem::exists(v.dicomPath, ec);
  try {
    state.store->Size(v.attachmentUuid);
    return true;
  } catch (const archive::StoreError&) {
    return false;
  }
}

}  // namespace

std::string DicomFileOf(const PluginState& state, const StoredVideo& video) {
  if (!video.dicomPath.empty()) return video.dicomPath;
  const std::filesystem::path copies = std::filesystem::path(state.config.workDirectory) / "delivery";
  std::filesystem::create_directories(copies);
  const std::filesystem::path copy = copies / (video.instanceId + ".dcm");
  std::error_code ec;
  if (std::filesystem::exists(copy, ec)) return copy.string();
  const std::filesystem::path partial = copies / (video.instanceId + ".dcm.part");
  std::string made = LocateSourceFile(state.config, video.instanceId, partial);
  if (made == partial.string()) {
    std::filesystem::rename(partial, copy);
    return copy.string();
  }
  return made;
}

bool IsVideoTransferSyntax(const std::string& uid) {
  return !CodecOfSyntax(uid).empty();
}

std::shared_ptr<const StoredVideo> OpenStoredVideo(const PluginState& state, const std::string& instanceId) {
  if (!LooksLikeOrthancId(instanceId)) throw HttpError{404, "no instance " + instanceId};
  if (auto hit = Cache().Find(instanceId)) {
    if (StillStored(state, *hit)) return hit;
    Cache().Drop(instanceId);  // deleted or moved since: locate again (or 404)
  }
  std::string ignored;
  if (!RestGetIfFound("/instances/" + instanceId, ignored)) throw HttpError{404, "no instance " + instanceId};
  // In the archive's storage: located by ranged reads (a few KiB) and played from the tier that holds it. Otherwise
  // (a legacy attachment, compression): one copy per instance in the delivery folder.
  const std::string uuid = StoredAttachment(state, instanceId);
  std::string path;
  dicom::BitstreamLocation loc;
  try {
    if (!uuid.empty()) {
      const uint64_t size = state.store->Size(uuid);
      const dicom::RandomReader reader = [&](uint64_t offset, uint8_t* buffer, size_t length) {
        return state.store->ReadAt(uuid, offset, buffer, length, NowSeconds());
      };
      loc = OnLargeStack([&] { return dicom::LocateBitstream(reader, size, "attachment " + uuid); });
    } else {
      const std::filesystem::path copies = std::filesystem::path(state.config.workDirectory) / "delivery";
      std::filesystem::create_directories(copies);
      path = LocateSourceFile(state.config, instanceId, copies / (instanceId + ".dcm"));
      loc = OnLargeStack([&] { return dicom::LocateBitstream(path); });
    }
  } catch (const dicom::DicomError& e) {
    throw HttpError{415, "instance " + instanceId + " holds no playable video: " + e.what()};
  }
  auto v = std::make_shared<StoredVideo>();
  v->instanceId = instanceId;
  Describe(*v, loc);
  if (v->codec.empty())
    throw HttpError{415, "instance " + instanceId + " is not a video (transfer syntax " + v->transferSyntaxUid + ")"};
  v->attachmentUuid = uuid;
  v->dicomPath = path;
  if (!uuid.empty()) {
    v->bytes = std::make_shared<StoredSpans>(*state.store, uuid, Spans(loc));
  } else {
    v->bytes = codec::OpenFileSpans(path, Spans(loc));
  }
  v->container = SniffContainer(*v->bytes);
  const std::string where = uuid.empty() ? std::to_string(std::hash<std::string>{}(path)&0xffffffu) : uuid.substr(0, 8);
  v->etag = "\"" + v->sopInstanceUid + "-" + std::to_string(v->bytes->Size()) + "-" + where + "\"";
  Cache().Put(instanceId, v);
  return v;
}

StoredVideo VideoInBuffer(const void* dicom, size_t size) {
  const dicom::BitstreamLocation loc = dicom::LocateBitstreamInBuffer(dicom, size);
  StoredVideo v;
  Describe(v, loc);
  if (v.codec.empty()) throw std::runtime_error("not a video transfer syntax: " + v.transferSyntaxUid);
  const auto* base = static_cast<const uint8_t*>(dicom);
  if (loc.fragments.size() == 1) {
    v.bytes = codec::WrapMemory(base + loc.fragments[0].fileOffset, loc.fragments[0].length, "<instance>");
  } else {
    // Several fragments (long HEVC): join them once; the caller already holds the whole instance in memory.
    auto joined = std::make_shared<std::string>();
    joined->reserve(loc.totalLength);
    for (const auto& f : loc.fragments) joined->append(reinterpret_cast<const char*>(base + f.fileOffset), f.length);
    struct Owned : codec::ByteSource {
      std::shared_ptr<std::string> data;
      std::shared_ptr<codec::ByteSource> view;
      uint64_t Size() const override { return view->Size(); }
      size_t ReadAt(uint64_t o, uint8_t* b, size_t n) const override { return view->ReadAt(o, b, n); }
      std::string Name() const override { return "<instance>"; }
    };
    auto owned = std::make_shared<Owned>();
    owned->data = joined;
    owned->view = codec::WrapMemory(reinterpret_cast<const uint8_t*>(joined->data()), joined->size(), "<instance>");
    v.bytes = owned;
  }
  v.container = SniffContainer(*v.bytes);
  return v;
}

std::string LookupInstanceId(const std::string& sopInstanceUid) {
  if (sopInstanceUid.empty() || sopInstanceUid.size() > 64) return "";
  const std::string answer = RestPost("/tools/lookup", sopInstanceUid.data(), sopInstanceUid.size());
  const Json::Value found = ParseJson(answer);
  for (const auto& item : found) {
    if (item.get("Type", "").asString() == "Instance") return item.get("ID", "").asString();
  }
  return "";
}

}  // namespace va::plugin
