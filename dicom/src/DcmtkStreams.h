// DCMTK input streams we need and DCMTK lacks (private to the dicom/ library).
//
// - MemoryInputStream: DcmInputBufferStream cannot create a stream factory, so DCMTK allocates and copies every
//   value whatever maxReadLength says, including a 4 GiB length declared by 12 bytes of garbage. This stream can,
//   so values above maxReadLength are skipped (and fail cleanly when they run past the end of the buffer).
// - FileSliceFactory: the value of a Pixel Data fragment read lazily from a byte range of a file, plus zero
//   padding, so an odd-length bitstream can be written as an even-length fragment without loading it.
#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcistrma.h>

#include <cstdint>
#include <string>

namespace va::dicom::detail {

// Produces `zeroPrefix` zero bytes, then the caller's buffer (the prefix stands in for a missing preamble).
class MemoryProducer : public DcmProducer {
 public:
  MemoryProducer(const unsigned char* data, size_t size, size_t zeroPrefix)
      : data_(data), size_(size + zeroPrefix), prefix_(zeroPrefix) {}
  OFBool good() const override { return OFTrue; }
  OFCondition status() const override { return EC_Normal; }
  OFBool eos() override { return pos_ >= size_; }
  offile_off_t avail() override { return static_cast<offile_off_t>(size_ - pos_); }
  offile_off_t read(void* buf, offile_off_t buflen) override;
  offile_off_t skip(offile_off_t skiplen) override;
  void putback(offile_off_t num) override;

 private:
  const unsigned char* data_;
  size_t size_;  // logical size, prefix included
  size_t prefix_;
  size_t pos_ = 0;
};

// Holds the producer so it is constructed before the DcmInputStream base that points at it.
struct MemoryProducerHolder {
  MemoryProducerHolder(const unsigned char* data, size_t size, size_t zeroPrefix) : producer(data, size, zeroPrefix) {}
  MemoryProducer producer;
};

// Reads a caller-owned buffer; the buffer must outlive the stream, every factory it hands out and every DCMTK
// object whose values were left unloaded.
class MemoryInputStream : private MemoryProducerHolder, public DcmInputStream {
 public:
  MemoryInputStream(const unsigned char* data, size_t size, size_t zeroPrefix = 0);
  DcmInputStreamFactory* newFactory() const override;

 private:
  const unsigned char* data_;
  size_t size_, prefix_;
};

// Creates streams over [offset, offset + dataLength) of a file followed by padLength zero bytes.
class FileSliceFactory : public DcmInputStreamFactory {
 public:
  FileSliceFactory(std::string path, uint64_t offset, uint64_t dataLength, uint64_t padLength)
      : path_(std::move(path)), offset_(offset), dataLength_(dataLength), padLength_(padLength) {}
  DcmInputStream* create() const override;
  DcmInputStreamFactory* clone() const override { return new FileSliceFactory(*this); }
  // Only consulted to tell factory kinds apart; a lazily read external file is what the temp-file kind means.
  DcmInputStreamFactoryType ident() const override { return DFT_DcmInputTempFileStreamFactory; }

 private:
  std::string path_;
  uint64_t offset_, dataLength_, padLength_;
};

}  // namespace va::dicom::detail
