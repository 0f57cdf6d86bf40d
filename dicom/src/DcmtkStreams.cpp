#include "DcmtkStreams.h"

#include <dcmtk/dcmdata/dcerror.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <new>

#include "va/dicom/DicomError.h"

namespace va::dicom::detail {

// ---------------------------------------------------------------- reader

namespace {

constexpr size_t kLastBlock = 1024 * 1024;  // blocks grow up to this

std::string MiB(uint64_t bytes) {
  return std::to_string(bytes / (1024 * 1024)) + " MiB";
}

}  // namespace

bool ReaderStreamSource::Read(uint64_t pos, unsigned char* out, size_t n) {
  if (error_) return false;
  try {
    const size_t zeros = pos < prefix_ ? static_cast<size_t>(std::min<uint64_t>(n, prefix_ - pos)) : 0;
    std::memset(out, 0, zeros);
    const size_t fromBytes = n - zeros;
    if (fromBytes == 0) return true;
    if (fromBytes > limit_ - read_)
      throw DicomError("the header of " + name_ + " (what precedes Pixel Data) takes more than " + MiB(limit_) +
                       " to parse; refused (a DICOM header, icons and private attributes included, is far smaller)");
    const uint64_t offset = pos + zeros - prefix_;
    if (!bytes_.ReadAt(offset, out + zeros, fromBytes))
      throw DicomError("cannot read bytes " + std::to_string(offset) + " to " + std::to_string(offset + fromBytes) +
                       " of " + name_ + ": it is shorter than its size (" + std::to_string(bytes_.Size()) +
                       " bytes) said; did it change while it was read?");
    read_ += fromBytes;
    return true;
  } catch (...) {
    error_ = std::current_exception();
    return false;
  }
}

void ReaderStreamSource::RethrowIfFailed() const {
  if (error_) std::rethrow_exception(error_);
}

OFCondition ReaderProducer::status() const {
  return source_.Failed() ? EC_InvalidStream : EC_Normal;
}

offile_off_t ReaderProducer::avail() {
  return source_.Failed() || pos_ >= source_.Size() ? 0 : static_cast<offile_off_t>(source_.Size() - pos_);
}

// The block from pos_ on; nextBlock_ doubles, so a long header costs few reads and a short one reads little.
bool ReaderProducer::Refill() {
  try {
    const auto length = static_cast<size_t>(std::min<uint64_t>(nextBlock_, source_.Size() - pos_));
    block_.resize(length);
    if (!source_.Read(pos_, block_.data(), length)) {
      block_.clear();
      return false;
    }
    blockStart_ = pos_;
    nextBlock_ = std::min(nextBlock_ * 2, kLastBlock);
    return true;
  } catch (const std::bad_alloc&) {  // DCMTK must not see an exception
    block_.clear();
    return false;
  }
}

offile_off_t ReaderProducer::read(void* buf, offile_off_t buflen) {
  if (buflen <= 0 || buf == nullptr || eos()) return 0;
  auto* out = static_cast<unsigned char*>(buf);
  const uint64_t want = std::min<uint64_t>(static_cast<uint64_t>(buflen), source_.Size() - pos_);
  uint64_t done = 0;
  while (done < want) {
    const uint64_t left = want - done;
    if (pos_ >= blockStart_ && pos_ < blockStart_ + block_.size()) {
      const auto n = static_cast<size_t>(std::min<uint64_t>(left, blockStart_ + block_.size() - pos_));
      std::memcpy(out + done, block_.data() + (pos_ - blockStart_), n);
      done += n;
      pos_ += n;
    } else if (left >= kLastBlock) {  // a large value loaded lazily: straight into DCMTK's buffer
      if (!source_.Read(pos_, out + done, static_cast<size_t>(left))) break;
      done += left;
      pos_ += left;
    } else if (!Refill()) {
      break;
    }
  }
  return static_cast<offile_off_t>(done);
}

offile_off_t ReaderProducer::skip(offile_off_t skiplen) {
  if (skiplen <= 0 || eos()) return 0;
  const uint64_t n = std::min<uint64_t>(static_cast<uint64_t>(skiplen), source_.Size() - pos_);
  pos_ += n;
  return static_cast<offile_off_t>(n);
}

void ReaderProducer::putback(offile_off_t num) {
  if (num <= 0) return;
  pos_ -= std::min<uint64_t>(static_cast<uint64_t>(num), pos_);
}

namespace {

class ReaderStreamFactory : public DcmInputStreamFactory {
 public:
  ReaderStreamFactory(ReaderStreamSource& source, offile_off_t offset) : source_(source), offset_(offset) {}
  DcmInputStream* create() const override {
    auto* stream = new ReaderInputStream(source_);
    stream->skip(offset_);
    return stream;
  }
  DcmInputStreamFactory* clone() const override { return new ReaderStreamFactory(*this); }
  DcmInputStreamFactoryType ident() const override { return DFT_DcmInputTempFileStreamFactory; }

 private:
  ReaderStreamSource& source_;
  offile_off_t offset_;
};

}  // namespace

ReaderInputStream::ReaderInputStream(ReaderStreamSource& source)
    : ReaderProducerHolder(source), DcmInputStream(&producer), source_(source) {}

DcmInputStreamFactory* ReaderInputStream::newFactory() const {
  // With a compression filter installed, tell() counts inflated bytes, not stream offsets: no factory then,
  // exactly like DcmInputFileStream.
  if (currentProducer() != &producer) return nullptr;
  return new ReaderStreamFactory(source_, tell());
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
