// Opening media for reading, from a path or from memory, and describing its best video stream.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "FfmpegHandles.h"
#include "va/codec/ByteSource.h"
#include "va/codec/Probe.h"

namespace va::codec::detail {

// An opened, stream-info-probed input. Members are declared in the order that makes destruction safe: the
// format context goes first, then the custom I/O context, then the memory it reads from.
struct InputFile {
  std::string name;  // path, or the source name for custom sources; used in error messages
  struct MemoryReader;
  std::unique_ptr<MemoryReader> reader;
  CustomIoPtr io;
  InputFormatPtr fmt;
  int videoIndex = -1;

  AVStream* video() const { return fmt->streams[videoIndex]; }
  ~InputFile();
};

// Both throw CodecError("cannot open NAME: reason") or CodecError("no video stream in NAME").
std::unique_ptr<InputFile> OpenInputFile(const std::string& path);
std::unique_ptr<InputFile> OpenInputMemory(const uint8_t* data, size_t size);
// Any random-access source (fragments of a DICOM file, a tier object); the input keeps the source alive.
std::unique_ptr<InputFile> OpenInputSource(std::shared_ptr<ByteSource> source);
// A second, independent reader of the same file or buffer (for a look ahead that must not move the first).
std::unique_ptr<InputFile> Reopen(const InputFile& in);

struct FrameRateScan;
// Reads ahead in a second reader of the same source to tell whether the frame rate is variable.
StreamInfo DescribeInput(const InputFile& in);
// The same with that look-ahead already done.
StreamInfo DescribeInput(const InputFile& in, const FrameRateScan& scan);

// Throws CodecError when the container promised more video samples than could be read: a file cut at a sample
// boundary otherwise reads as a shorter, valid one.
void CheckNotTruncated(const InputFile& in, int64_t videoPacketsRead);

// Nominal frame rate of a video stream: average, else the container's base rate, else 25/1.
AVRational NominalFrameRate(const AVStream* st);

}  // namespace va::codec::detail
