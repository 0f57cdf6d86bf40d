// Answers a GET of stored bytes with HTTP Range semantics (200 / 206 / 416, Accept-Ranges, ETag, If-Range), reading
// only the requested piece from its source: memory per request is bounded by the configured answer size.
#pragma once

#include <orthanc/OrthancCPlugin.h>

#include <cstdint>
#include <string>

#include "va/codec/ByteSource.h"

namespace va::plugin {

void AnswerByteRange(OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request,
                     const codec::ByteSource& bytes, const std::string& contentType, const std::string& etag,
                     uint64_t maxAnswerBytes);

}  // namespace va::plugin
