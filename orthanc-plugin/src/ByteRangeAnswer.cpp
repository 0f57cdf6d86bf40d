#include "ByteRangeAnswer.h"

#include "HttpHelpers.h"
#include "HttpRange.h"
#include "OrthancApi.h"

namespace va::plugin {

void AnswerByteRange(OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request,
                     const codec::ByteSource& bytes, const std::string& contentType, const std::string& etag,
                     uint64_t maxAnswerBytes) {
  if (request->method != OrthancPluginHttpMethod_Get) throw HttpError{405, "only GET is allowed on this route"};
  const RangeAnswer range =
      DecideRange(bytes.Size(), GetHeader(request, "range"), GetHeader(request, "if-range"), etag, maxAnswerBytes);
  SetHeader(output, "Accept-Ranges", "bytes");
  SetHeader(output, "ETag", etag);
  // Recordings are medical records: shared caches must not keep them.
  SetHeader(output, "Cache-Control", "private, max-age=3600");
  switch (range.kind) {
    case RangeAnswer::Kind::Unsatisfiable:
      SetHeader(output, "Content-Range", range.contentRange());
      throw HttpError{416, "the range is outside the " + std::to_string(bytes.Size()) + " bytes of this video"};
    case RangeAnswer::Kind::TooLarge:
      throw HttpError{400, "this video is " + std::to_string(bytes.Size()) + " bytes, more than one answer holds (" +
                               std::to_string(maxAnswerBytes) +
                               "); ask for it in pieces with a Range header (browsers and players do; curl -r)"};
    case RangeAnswer::Kind::Whole:
    case RangeAnswer::Kind::Partial: break;
  }
  std::string body(range.size == 0 ? 0 : range.length(), '\0');
  size_t done = 0;
  while (done < body.size()) {
    const size_t got = bytes.ReadAt(range.first + done, reinterpret_cast<uint8_t*>(&body[done]), body.size() - done);
    if (got == 0) throw std::runtime_error("the stored video ended before its recorded size (" + bytes.Name() + ")");
    done += got;
  }
  if (range.kind == RangeAnswer::Kind::Whole) {
    OrthancPluginAnswerBuffer(Context(), output, body.data(), static_cast<uint32_t>(body.size()), contentType.c_str());
    return;
  }
  SetHeader(output, "Content-Type", contentType);
  SetHeader(output, "Content-Range", range.contentRange());
  OrthancPluginSendHttpStatus(Context(), output, 206, body.data(), static_cast<uint32_t>(body.size()));
}

}  // namespace va::plugin
