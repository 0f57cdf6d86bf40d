#include "va/codec/ByteSource.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace va::codec {

namespace {

class FileSpanSource final : public ByteSource {
 public:
  FileSpanSource(std::string path, std::vector<FileSpan> spans) : path_(std::move(path)), spans_(std::move(spans)) {
    fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw CodecError("cannot open " + path_ + ": " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd_, &st) != 0) {
      const int err = errno;
      ::close(fd_);
      throw CodecError("cannot read the size of " + path_ + ": " + std::strerror(err));
    }
    starts_.reserve(spans_.size());
    for (const FileSpan& s : spans_) {
      if (s.offset > static_cast<uint64_t>(st.st_size) || s.length > static_cast<uint64_t>(st.st_size) - s.offset) {
        ::close(fd_);
        throw CodecError(path_ + " is shorter than its bitstream (" + std::to_string(st.st_size) + " bytes)");
      }
      starts_.push_back(size_);
      size_ += s.length;
    }
  }
  ~FileSpanSource() override { ::close(fd_); }
  FileSpanSource(const FileSpanSource&) = delete;
  FileSpanSource& operator=(const FileSpanSource&) = delete;

  uint64_t Size() const override { return size_; }
  std::string Name() const override { return path_; }

  size_t ReadAt(uint64_t offset, uint8_t* buffer, size_t length) const override {
    size_t done = 0;
    // The span holding offset: the last one starting at or before it.
    auto it = std::upper_bound(starts_.begin(), starts_.end(), offset);
    size_t index = it == starts_.begin() ? 0 : static_cast<size_t>(it - starts_.begin()) - 1;
    while (done < length && offset < size_ && index < spans_.size()) {
      const FileSpan& span = spans_[index];
      const uint64_t within = offset - starts_[index];
      if (within >= span.length) {
        ++index;
        continue;
      }
      const size_t want = static_cast<size_t>(std::min<uint64_t>(length - done, span.length - within));
      const ssize_t got = ::pread(fd_, buffer + done, want, static_cast<off_t>(span.offset + within));
      if (got < 0) {
        if (errno == EINTR) continue;
        throw CodecError("cannot read " + path_ + ": " + std::strerror(errno));
      }
      if (got == 0) throw CodecError(path_ + " ended early (truncated while being read?)");
      done += static_cast<size_t>(got);
      offset += static_cast<uint64_t>(got);
    }
    return done;
  }

 private:
  std::string path_;
  std::vector<FileSpan> spans_;
  std::vector<uint64_t> starts_;  // offset of each span within the object
  uint64_t size_ = 0;
  int fd_ = -1;
};

class MemorySource final : public ByteSource {
 public:
  MemorySource(const uint8_t* data, size_t size, std::string name) : data_(data), size_(size), name_(std::move(name)) {}
  uint64_t Size() const override { return size_; }
  std::string Name() const override { return name_; }
  size_t ReadAt(uint64_t offset, uint8_t* buffer, size_t length) const override {
    if (offset >= size_) return 0;
    const size_t n = std::min<size_t>(length, size_ - static_cast<size_t>(offset));
    std::memcpy(buffer, data_ + offset, n);
    return n;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  std::string name_;
};

}  // namespace

std::shared_ptr<ByteSource> OpenFileSpans(const std::string& path, std::vector<FileSpan> spans) {
  return std::make_shared<FileSpanSource>(path, std::move(spans));
}

std::shared_ptr<ByteSource> OpenWholeFile(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw CodecError("cannot open " + path + ": " + std::strerror(errno));
  return OpenFileSpans(path, {FileSpan{0, static_cast<uint64_t>(st.st_size)}});
}

std::shared_ptr<ByteSource> WrapMemory(const uint8_t* data, size_t size, std::string name) {
  return std::make_shared<MemorySource>(data, size, std::move(name));
}

}  // namespace va::codec
