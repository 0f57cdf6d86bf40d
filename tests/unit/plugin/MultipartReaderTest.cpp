#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "MultipartReader.h"

using namespace va::plugin;

namespace {

// Records the events as text, with consecutive data merged, so feeds with different chunking compare equal.
struct Recorder : MultipartHandler {
  std::string log;
  bool inData = false;
  void OnPartBegin(const std::map<std::string, std::string>& headers) override {
    log += "BEGIN{";
    for (const auto& [name, value] : headers) log += name + "=" + value + ";";
    log += "}";
    inData = false;
  }
  void OnPartData(const char* data, size_t size) override {
    EXPECT_GT(size, 0u);
    if (!inData) log += "DATA[";
    inData = true;
    log.append(data, size);
  }
  void OnPartEnd() override {
    log += inData ? "]END " : "END ";
    inData = false;
  }
};

const std::string kType = "multipart/related; type=\"application/dicom+json\"; boundary=BOUNDARY";

// The log of reading body in chunks of chunkSize (0 = all at once); "ERROR: ..." when Feed or Finish throws.
std::string Read(const std::string& body, size_t chunkSize = 0, const std::string& contentType = kType) {
  Recorder recorder;
  try {
    MultipartReader reader(contentType, recorder);
    if (chunkSize == 0) chunkSize = body.size() + 1;
    for (size_t i = 0; i < body.size(); i += chunkSize) {
      reader.Feed(body.data() + i, std::min(chunkSize, body.size() - i));
    }
    reader.Finish();
  } catch (const MultipartError& e) {
    return recorder.log + "ERROR: " + e.what();
  }
  return recorder.log;
}

std::string ErrorOf(const std::string& body) {
  const std::string log = Read(body);
  const size_t at = log.find("ERROR: ");
  return at == std::string::npos ? "" : log.substr(at + 7);
}

// Bytes of a video part with NULs and boundary look-alikes that are not boundaries.
std::string Video() {
  static const char kBytes[] =
      "\0\0\0\x18"
      "ftypmp42\r\n--BOUNDAR\r\r\n-\n--BOUNDARY-ish? no\r\n";
  return std::string(kBytes, sizeof kBytes - 1);
}

std::string StowBody() {
  return "This is the preamble, ignored.\r\n"
         "--BOUNDARY\r\n"
         "Content-Type: application/dicom+json\r\n"
         "\r\n"
         "[{\"00080016\": {\"vr\": \"UI\", \"Value\": [\"1.2.840.10008.5.1.4.1.1.77.1.1.1\"]}}]\r\n"
         "--BOUNDARY\r\n"
         "Content-Type: video/mp4\r\n"
         "Content-Location: video.mp4\r\n"
         "\r\n" +
         Video() +
         "\r\n--BOUNDARY--\r\n"
         "epilogue, ignored\r\n";
}

TEST(MultipartReaderTest, ReadsAStowBody) {
  EXPECT_EQ(Read(StowBody()),
            "BEGIN{content-type=application/dicom+json;}DATA[[{\"00080016\": {\"vr\": \"UI\", \"Value\": "
            "[\"1.2.840.10008.5.1.4.1.1.77.1.1.1\"]}}]]END "
            "BEGIN{content-location=video.mp4;content-type=video/mp4;}DATA[" +
                Video() + "]END ");
}

TEST(MultipartReaderTest, AnyChunkingGivesTheSameEvents) {
  const std::string body = StowBody();
  const std::string expected = Read(body);
  for (size_t chunk = 1; chunk <= 40; ++chunk) EXPECT_EQ(Read(body, chunk), expected) << chunk;
  EXPECT_EQ(Read(body, 4096), expected);
  // Errors too.
  const std::string bad = "--BOUNDARY\r\nContent-Type: a\r\n\r\nxyz\r\n--BOUNDARYX\r\n";
  for (size_t chunk = 1; chunk <= 9; ++chunk) EXPECT_EQ(Read(bad, chunk), Read(bad)) << chunk;
}

TEST(MultipartReaderTest, BoundaryLikeBytesInsideDataAreData) {
  const std::string tricky[] = {
      "--BOUNDARY",            // not at the start of a line
      "x\n--BOUNDARY\n",       // LF only: not a delimiter
      "\r\n--BOUNDAR",         // a prefix, then the real delimiter
      "\r\r\n--BOUNDARZ\r\n",  // CR before a near miss
      "\r\n-",
      "\r\n--boundary",  // boundaries are case-sensitive
      "\r",
      "\r\n\r\n",
  };
  for (const std::string& data : tricky) {
    const std::string body = "--BOUNDARY\r\n\r\n" + data + "\r\n--BOUNDARY--";
    for (size_t chunk : {0, 1, 2, 3}) {
      EXPECT_EQ(Read(body, chunk), "BEGIN{}DATA[" + data + "]END ") << data << " chunk " << chunk;
    }
  }
}

TEST(MultipartReaderTest, CrlfAtTheEdgesOfDataBelongsToTheData) {
  EXPECT_EQ(Read("--BOUNDARY\r\n\r\n\r\nX\r\n\r\n--BOUNDARY--"), "BEGIN{}DATA[\r\nX\r\n]END ");
  EXPECT_EQ(Read("--BOUNDARY\r\n\r\n\r\n\r\n--BOUNDARY--"), "BEGIN{}DATA[\r\n]END ");
  // The CRLF before a boundary is the boundary's: this part is empty.
  EXPECT_EQ(Read("--BOUNDARY\r\n\r\n\r\n--BOUNDARY--"), "BEGIN{}END ");
  EXPECT_EQ(Read("--BOUNDARY\r\n\r\n\r\n--BOUNDARY\r\n\r\n\r\n--BOUNDARY--"), "BEGIN{}END BEGIN{}END ");
}

TEST(MultipartReaderTest, PreambleEpilogueAndPadding) {
  // No preamble, transport padding after a boundary, an epilogue with boundary-like text.
  EXPECT_EQ(Read("--BOUNDARY \t\r\nA: 1\r\n\r\nx\r\n--BOUNDARY--  \r\n--BOUNDARY\r\nB: 2\r\n\r\ny"),
            "BEGIN{a=1;}DATA[x]END ");
  // A preamble that contains the boundary text but not at a line start.
  EXPECT_EQ(Read("pre --BOUNDARY\r\n--BOUNDARY\r\n\r\nx\r\n--BOUNDARY--"), "BEGIN{}DATA[x]END ");
  // No parts at all is well-formed multipart; the caller decides whether that is acceptable.
  EXPECT_EQ(Read("--BOUNDARY--"), "");
}

TEST(MultipartReaderTest, ParsesTheContentType) {
  Recorder recorder;
  MultipartReader reader(
      "Multipart/Related ; Type=\"application/dicom+json\"; start=\"<meta@x>\" ; boundary=\"a b'()+_,-./:=\\?\"",
      recorder);
  EXPECT_EQ(reader.boundary(), "a b'()+_,-./:=?");
  EXPECT_EQ(reader.type(), "application/dicom+json");
  EXPECT_EQ(reader.start(), "<meta@x>");

  MultipartReader quoted("multipart/related; boundary=\"simple boundary\"", recorder);
  EXPECT_EQ(quoted.boundary(), "simple boundary");
  EXPECT_EQ(quoted.type(), "");
  const std::string body = "--simple boundary\r\n\r\ndata\r\n--simple boundary--";
  EXPECT_EQ(Read(body, 0, "multipart/related; boundary=\"simple boundary\""), "BEGIN{}DATA[data]END ");
  // Unquoted values with '/' (type=application/dicom) are common and accepted.
  EXPECT_EQ(MultipartReader("multipart/related;type=application/dicom;boundary=b", recorder).type(),
            "application/dicom");
}

TEST(MultipartReaderTest, RefusesBadContentTypes) {
  Recorder recorder;
  const auto errorOf = [&](const std::string& contentType) -> std::string {
    try {
      MultipartReader reader(contentType, recorder);
    } catch (const MultipartError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_EQ(errorOf("multipart/related; type=\"application/dicom\""),
            "Content-Type multipart/related lacks a boundary");
  EXPECT_EQ(errorOf("multipart/form-data; boundary=x"),
            "Content-Type must be multipart/related (STOW-RS, RFC 2387), not multipart/form-data");
  EXPECT_NE(errorOf("multipart/related; boundary=" + std::string(71, 'b')).find("1 to 70 characters"),
            std::string::npos);
  EXPECT_NE(errorOf("multipart/related; boundary=\"\"").find("1 to 70 characters"), std::string::npos);
  EXPECT_NE(errorOf("multipart/related; boundary=\"ends with space \"").find("1 to 70"), std::string::npos);
  EXPECT_NE(errorOf("multipart/related; boundary=a<b").find("1 to 70"), std::string::npos);
  EXPECT_NE(errorOf("multipart/related; boundary=a; boundary=b").find("given twice"), std::string::npos);
  EXPECT_NE(errorOf("multipart/related; boundary=\"abc").find("unterminated"), std::string::npos);
  EXPECT_NE(errorOf("multipart/related; boundary=").find("without a value"), std::string::npos);
  EXPECT_NE(errorOf("multipart/related boundary=x").find("separated by ';'"), std::string::npos);
  EXPECT_NE(errorOf("").find("type/subtype"), std::string::npos);
  EXPECT_EQ(errorOf("multipart/related; boundary=" + std::string(70, 'b') + ";"), "");
}

TEST(MultipartReaderTest, TruncatedBodiesAreRefused) {
  EXPECT_EQ(ErrorOf(""), "the body holds no boundary line \"--BOUNDARY\"; check the boundary in Content-Type");
  EXPECT_EQ(ErrorOf("--BOUNDARY\r\nContent-Type: a"), "part 1: the body ended inside the part headers");
  EXPECT_EQ(ErrorOf("--BOUNDARY\r\n\r\nhalf a video"),
            "part 1: the body ended inside the part, before the closing boundary \"--BOUNDARY--\"");
  EXPECT_EQ(ErrorOf("--BOUNDARY\r\n\r\nx\r\n--BOUND"),
            "part 1: the body ended inside the part, before the closing boundary \"--BOUNDARY--\"");
  EXPECT_NE(ErrorOf("--BOUNDARY\r\n\r\nx\r\n--BOUNDARY").find("ended on a boundary line"), std::string::npos);
  EXPECT_NE(ErrorOf("--BOUNDARY\r\n\r\nx\r\n--BOUNDARY-").find("ended on a boundary line"), std::string::npos);
  // Data before the truncation was delivered as it came.
  EXPECT_EQ(Read("--BOUNDARY\r\n\r\nhalf", 1).find("BEGIN{}DATA[halfERROR: "), 0u);
}

TEST(MultipartReaderTest, MalformedBodiesAreRefused) {
  EXPECT_NE(ErrorOf("--BOUNDARY\r\n\r\nx\r\n--BOUNDARYX\r\n").find("not a boundary line"), std::string::npos);
  EXPECT_NE(ErrorOf("--BOUNDARY\r\n\r\nx\r\n--BOUNDARY-x").find("malformed"), std::string::npos);
  EXPECT_NE(ErrorOf("--BOUNDARY x\r\n").find("only spaces may follow"), std::string::npos);
  EXPECT_NE(ErrorOf("--BOUNDARY\rX").find("must end with CRLF"), std::string::npos);
  EXPECT_EQ(ErrorOf("--BOUNDARY\r\nContent-Type: a\n\r\n"), "part 1: part header lines must end with CRLF");
  EXPECT_EQ(ErrorOf("--BOUNDARY\r\nno colon\r\n\r\n"), "part 1: a part header line is not \"Name: value\"");
  EXPECT_EQ(ErrorOf("--BOUNDARY\r\nA\r\n\r\n"),
            "part 1: a part header line is not \"Name: value\"");  // found by fuzzing
  EXPECT_EQ(ErrorOf("--BOUNDARY\r\nName : v\r\n\r\n"), "part 1: a part header line is not \"Name: value\"");
  EXPECT_EQ(ErrorOf("--BOUNDARY\r\nA: 1\r\na: 2\r\n\r\n"), "part 1: the part header \"a\" is given twice");
  EXPECT_EQ(ErrorOf("--BOUNDARY\r\n continued\r\n\r\n"), "part 1: the part headers begin with a continuation line");
  EXPECT_EQ(ErrorOf("--BOUNDARY\r\nA: x\ry\r\n\r\n"), "part 1: a part header holds a control character");
  EXPECT_EQ(ErrorOf("--BOUNDARY\r\n\r\n\r\n--BOUNDARY\r\nA: \x01\r\n\r\n"),
            "part 2: a part header holds a control character");
}

TEST(MultipartReaderTest, HeadersAreLowercasedTrimmedAndUnfolded) {
  EXPECT_EQ(Read("--BOUNDARY\r\nContent-TYPE:   video/mp4  \r\nX-Long: a\r\n  b\r\n\tc\r\nEmpty:\r\n\r\n\r\n"
                 "--BOUNDARY--"),
            "BEGIN{content-type=video/mp4;empty=;x-long=a b c;}END ");
}

TEST(MultipartReaderTest, PartHeadersAreLimitedTo16KiB) {
  // The whole header block, up to and including its blank line, may take 16 KiB.
  const std::string prefix = "--BOUNDARY\r\n";
  const std::string fits = "X: " + std::string(MultipartReader::kMaxPartHeaderBytes - 7, 'v') + "\r\n\r\n";
  ASSERT_EQ(fits.size(), MultipartReader::kMaxPartHeaderBytes);
  EXPECT_EQ(ErrorOf(prefix + fits + "\r\n--BOUNDARY--"), "");
  const std::string tooLong = "X: " + std::string(MultipartReader::kMaxPartHeaderBytes - 6, 'v') + "\r\n\r\n";
  const std::string expected = "part 1: the part headers exceed 16 KiB (or the blank line that ends them is missing)";
  EXPECT_EQ(ErrorOf(prefix + tooLong + "\r\n--BOUNDARY--"), expected);
  EXPECT_NE(Read(prefix + tooLong, 1000).find(expected), std::string::npos);
  // Many short lines count too, and an endless header block is stopped.
  std::string many;
  while (many.size() <= MultipartReader::kMaxPartHeaderBytes) many += "A" + std::to_string(many.size()) + ": b\r\n";
  EXPECT_EQ(ErrorOf(prefix + many), expected);
  EXPECT_EQ(ErrorOf(prefix + std::string(1 << 20, 'h')), expected);
}

TEST(MultipartReaderTest, ErrorsAreSticky) {
  Recorder recorder;
  MultipartReader reader(kType, recorder);
  const std::string bad = "--BOUNDARY\r\nno colon\r\n\r\n";
  EXPECT_THROW(reader.Feed(bad.data(), bad.size()), MultipartError);
  EXPECT_THROW(reader.Feed("x", 1), MultipartError);
  try {
    reader.Finish();
    FAIL();
  } catch (const MultipartError& e) {
    EXPECT_STREQ(e.what(), "part 1: a part header line is not \"Name: value\"");
  }
}

TEST(MultipartReaderTest, HandlerExceptionsPassThroughAndStopTheReader) {
  struct Refuser : Recorder {
    void OnPartBegin(const std::map<std::string, std::string>&) override { throw std::length_error("too many"); }
  } refuser;
  MultipartReader reader(kType, refuser);
  const std::string body = "--BOUNDARY\r\n\r\nx";
  EXPECT_THROW(reader.Feed(body.data(), body.size()), std::length_error);
  try {
    reader.Feed("y", 1);
    FAIL();
  } catch (const MultipartError& e) {
    EXPECT_STREQ(e.what(), "the part handler failed: too many");
  }
}

// A 50 MB part fed in 64 KiB chunks: every byte arrives, in order, as soon as it cannot be the start of a
// boundary, and the reader never holds more than the headers plus a partial boundary.
TEST(MultipartReaderTest, LargePartStreamsWithBoundedMemory) {
  constexpr uint64_t kFnvBasis = 1469598103934665603ull, kFnvPrime = 1099511628211ull;
  struct Counter : MultipartHandler {
    uint64_t bytes = 0, hash = kFnvBasis;
    int parts = 0, ends = 0;
    void OnPartBegin(const std::map<std::string, std::string>&) override { ++parts; }
    void OnPartData(const char* data, size_t size) override {
      for (size_t i = 0; i < size; ++i) hash = (hash ^ static_cast<unsigned char>(data[i])) * kFnvPrime;
      bytes += size;
    }
    void OnPartEnd() override { ++ends; }
  } counter;
  MultipartReader reader(kType, counter);

  const std::string head = "--BOUNDARY\r\nContent-Type: video/mp4\r\n\r\n";
  reader.Feed(head.data(), head.size());
  constexpr size_t kTotal = 50u * 1000 * 1000, kChunk = 64 * 1024;
  const size_t delimiterSize = std::string("\r\n--BOUNDARY").size();
  std::string chunk(kChunk, '\0');
  uint64_t expectedHash = kFnvBasis, state = 42;
  size_t fed = 0, chunks = 0;
  while (fed < kTotal) {
    const size_t n = std::min(kChunk, kTotal - fed);
    // Pseudo-random bytes rich in CR, LF and '-', so the matcher works hard.
    for (size_t i = 0; i < n; ++i) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      const unsigned r = static_cast<unsigned>(state >> 59);
      chunk[i] = r < 2 ? '\r' : r < 3 ? '\n' : r < 5 ? '-' : static_cast<char>(state >> 33);
    }
    // Now and then a near miss of the boundary split across the chunk edge.
    if (++chunks % 16 == 0 && n > 8) chunk.replace(n - 8, 8, "\r\n--BOUN");
    if (chunks % 16 == 1 && fed > 0) chunk.replace(0, 5, "DARX\r");
    for (size_t i = 0; i < n; ++i) expectedHash = (expectedHash ^ static_cast<unsigned char>(chunk[i])) * kFnvPrime;
    reader.Feed(chunk.data(), n);
    fed += n;
    ASSERT_LE(reader.bufferedBytes(), delimiterSize);
    ASSERT_EQ(counter.bytes + reader.bufferedBytes(), fed) << "data must be delivered as it arrives";
  }
  const std::string tail = "\r\n--BOUNDARY--\r\n";
  reader.Feed(tail.data(), tail.size());
  reader.Finish();
  EXPECT_EQ(counter.bytes, kTotal);
  EXPECT_EQ(counter.hash, expectedHash);
  EXPECT_EQ(counter.parts, 1);
  EXPECT_EQ(counter.ends, 1);
  EXPECT_EQ(reader.partCount(), 1u);
}

}  // namespace
