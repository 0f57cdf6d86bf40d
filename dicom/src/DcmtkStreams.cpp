#include "DcmtkStreams.h"

#include <dcmtk/dcmdata/dcerror.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace va::dicom::detail {

// ---------------------------------------------------------------- memory

offile_off_t MemoryProducer::read(void* buf, offile_off_t buflen) {
  if (buflen <= 0 || buf == nullptr) return 0;
  auto* out = static_cast<unsigned char*>(buf);
  const size_t n = std::min(static_cast<size_t>(buflen), size_ - pos_);
  const size_t zeros = pos_ < prefix_ ? std::min(n, prefix_ - pos_) : 0;
  std::memset(out, 0, zeros);
  std::memcpy(out + zeros, data_ + (pos_ + zeros - prefix_), n - zeros);
  pos_ += n;
  return static_cast<offile_off_t>(n);
}

offile_off_t MemoryProducer::skip(offile_off_t skiplen) {
  if (skiplen <= 0) return 0;
  const size_t n = std::min(static_cast<size_t>(skiplen), size_ - pos_);
  pos_ += n;
  return static_cast<offile_off_t>(n);
}

void MemoryProducer::putback(offile_off_t num) {
  if (num <= 0) return;
  pos_ -= std::min(static_cast<size_t>(num), pos_);
}

namespace {

class MemoryStreamFactory : public DcmInputStreamFactory {
 public:
  MemoryStreamFactory(const unsigned char* data, size_t size, size_t prefix, offile_off_t offset)
      : data_(data), size_(size), prefix_(prefix), offset_(offset) {}
  DcmInputStream* create() const override {
    auto* stream = new MemoryInputStream(data_, size_, prefix_);
    stream->skip(offset_);
    return stream;
  }
  DcmInputStreamFactory* clone() const override { return new MemoryStreamFactory(*this); }
  DcmInputStreamFactoryType ident() const override { return DFT_DcmInputTempFileStreamFactory; }

 private:
  const unsigned char* data_;
  size_t size_, prefix_;
  offile_off_t offset_;
};

}  // namespace

MemoryInputStream::MemoryInputStream(const unsigned char* data, size_t size, size_t zeroPrefix)
    : MemoryProducerHolder(data, size, zeroPrefix),
      DcmInputStream(&producer),
      data_(data),
      size_(size),
      prefix_(zeroPrefix) {}

DcmInputStreamFactory* MemoryInputStream::newFactory() const {
  // With a compression filter installed, tell() counts inflated bytes, not buffer offsets: no factory then,
  // exactly like DcmInputFileStream.
  if (currentProducer() != &producer) return nullptr;
  return new MemoryStreamFactory(data_, size_, prefix_, tell());
}

// ---------------------------------------------------------------- file slice

namespace {

class FileSliceProducer : public DcmProducer {
 public:
  FileSliceProducer(const std::string& path, uint64_t offset, uint64_t dataLength, uint64_t padLength)
      : dataLength_(dataLength), total_(dataLength + padLength) {
    file_ = std::fopen(path.c_str(), "rbe");  // e: O_CLOEXEC, the plugin runs inside Orthanc
    if (file_ == nullptr || fseeko(file_, static_cast<off_t>(offset), SEEK_SET) != 0) status_ = EC_InvalidStream;
    start_ = offset;
  }
  ~FileSliceProducer() override {
    if (file_ != nullptr) std::fclose(file_);
  }
  FileSliceProducer(const FileSliceProducer&) = delete;
  FileSliceProducer& operator=(const FileSliceProducer&) = delete;

  OFBool good() const override { return status_.good(); }
  OFCondition status() const override { return status_; }
  OFBool eos() override { return status_.bad() || pos_ >= total_; }
  offile_off_t avail() override { return status_.bad() ? 0 : static_cast<offile_off_t>(total_ - pos_); }

  offile_off_t read(void* buf, offile_off_t buflen) override {
    if (status_.bad() || buflen <= 0) return 0;
    auto* out = static_cast<unsigned char*>(buf);
    uint64_t want = std::min<uint64_t>(static_cast<uint64_t>(buflen), total_ - pos_);
    uint64_t done = 0;
    if (pos_ < dataLength_) {
      const uint64_t fromFile = std::min(want, dataLength_ - pos_);
      const size_t got = std::fread(out, 1, static_cast<size_t>(fromFile), file_);
      done += got;
      pos_ += got;
      if (got < fromFile) {  // the file shrank since the slice was planned
        status_ = EC_InvalidStream;
        return static_cast<offile_off_t>(done);
      }
    }
    const uint64_t pad = want - done;
    std::memset(out + done, 0, static_cast<size_t>(pad));
    pos_ += pad;
    return static_cast<offile_off_t>(done + pad);
  }

  offile_off_t skip(offile_off_t skiplen) override {
    if (status_.bad() || skiplen <= 0) return 0;
    const uint64_t n = std::min<uint64_t>(static_cast<uint64_t>(skiplen), total_ - pos_);
    return Seek(pos_ + n) ? static_cast<offile_off_t>(n) : 0;
  }

  void putback(offile_off_t num) override {
    if (status_.bad() || num <= 0) return;
    Seek(pos_ - std::min<uint64_t>(static_cast<uint64_t>(num), pos_));
  }

 private:
  bool Seek(uint64_t to) {
    const uint64_t inFile = std::min(to, dataLength_);
    if (fseeko(file_, static_cast<off_t>(start_ + inFile), SEEK_SET) != 0) {
      status_ = EC_InvalidStream;
      return false;
    }
    pos_ = to;
    return true;
  }

  std::FILE* file_ = nullptr;
  uint64_t start_ = 0, dataLength_, total_, pos_ = 0;
  OFCondition status_ = EC_Normal;
};

struct FileSliceHolder {
  FileSliceHolder(const std::string& path, uint64_t offset, uint64_t dataLength, uint64_t padLength)
      : producer(path, offset, dataLength, padLength) {}
  FileSliceProducer producer;
};

class FileSliceInputStream : private FileSliceHolder, public DcmInputStream {
 public:
  FileSliceInputStream(const std::string& path, uint64_t offset, uint64_t dataLength, uint64_t padLength)
      : FileSliceHolder(path, offset, dataLength, padLength), DcmInputStream(&producer) {}
  // Values are never read lazily from a slice (it is only a source when writing).
  DcmInputStreamFactory* newFactory() const override { return nullptr; }
};

}  // namespace

DcmInputStream* FileSliceFactory::create() const {
  return new FileSliceInputStream(path_, offset_, dataLength_, padLength_);
}

}  // namespace va::dicom::detail
