// DCMTK input streams we need and DCMTK lacks (private to the dicom/ library).
//
// - ReaderInputStream: the bytes of a ByteReader (a buffer, a file, a caller's random-access reader), read in
//   blocks that grow from 4 KiB to 1 MiB, so that parsing a header costs a few reads, not one per element. It can
//   create a stream factory, so values above maxReadLength are skipped, not read (and fail cleanly when they run
//   past the end), and read only if asked for. DcmInputBufferStream can create none: DCMTK would allocate and copy
//   every value, including a 4 GiB length declared by 12 bytes of garbage.
// - FileSliceFactory: the value of a Pixel Data fragment read lazily from a byte range of a file, plus zero
//   padding, so an odd-length bitstream can be written as an even-length fragment without loading it.
#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcistrma.h>

#include <cstdint>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "EncapsulatedLayout.h"

namespace va::dicom::detail {

// What the streams of one parse share: the bytes, preceded by `zeroPrefix` zero bytes (standing in for a missing
// preamble); a budget of bytes read; and the first error met. DCMTK is not exception-safe, so the streams never
// throw: an exception of the ByteReader (or the DicomError of an exhausted budget) is kept here, the stream goes
// bad, and the caller rethrows it once DCMTK has returned.
class ReaderStreamSource {
 public:
  ReaderStreamSource(const ByteReader& bytes, size_t zeroPrefix, uint64_t readLimit, std::string name)
      : bytes_(bytes), prefix_(zeroPrefix), limit_(readLimit), name_(std::move(name)) {}
  uint64_t Size() const { return prefix_ + bytes_.Size(); }  // of the stream, prefix included
  // Copies [pos, pos + n) of the stream (inside Size()) to out; false, the error kept, when that fails.
  bool Read(uint64_t pos, unsigned char* out, size_t n);
  bool Failed() const { return error_ != nullptr; }
  void RethrowIfFailed() const;
  uint64_t BytesRead() const { return read_; }

 private:
  const ByteReader& bytes_;
  size_t prefix_;
  uint64_t limit_, read_ = 0;
  std::string name_;
  std::exception_ptr error_;
};

class ReaderProducer : public DcmProducer {
 public:
  explicit ReaderProducer(ReaderStreamSource& source) : source_(source) {}
  OFBool good() const override { return !source_.Failed(); }
  OFCondition status() const override;
  OFBool eos() override { return source_.Failed() || pos_ >= source_.Size(); }
  offile_off_t avail() override;
  offile_off_t read(void* buf, offile_off_t buflen) override;
  offile_off_t skip(offile_off_t skiplen) override;
  void putback(offile_off_t num) override;

 private:
  bool Refill();

  ReaderStreamSource& source_;
  std::vector<unsigned char> block_;
  uint64_t blockStart_ = 0;      // stream offset of block_[0]
  size_t nextBlock_ = 4 * 1024;  // doubles up to 1 MiB
  uint64_t pos_ = 0;
};

// Holds the producer so it is constructed before the DcmInputStream base that points at it.
struct ReaderProducerHolder {
  explicit ReaderProducerHolder(ReaderStreamSource& source) : producer(source) {}
  ReaderProducer producer;
};

// The source must outlive the stream, every factory it hands out and every DCMTK object whose values were left
// unloaded.
class ReaderInputStream : private ReaderProducerHolder, public DcmInputStream {
 public:
  explicit ReaderInputStream(ReaderStreamSource& source);
  DcmInputStreamFactory* newFactory() const override;

 private:
  ReaderStreamSource& source_;
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
