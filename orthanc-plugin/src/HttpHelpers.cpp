#include "HttpHelpers.h"

#include <cstring>

#include "OrthancApi.h"

namespace va::plugin {

void AnswerJson(OrthancPluginRestOutput* output, const Json::Value& value, const char* mime) {
  const std::string body = WriteJson(value);
  OrthancPluginAnswerBuffer(Context(), output, body.data(), static_cast<uint32_t>(body.size()), mime);
}

void AnswerJsonStatus(OrthancPluginRestOutput* output, int status, const Json::Value& value) {
  if (status == 200) {
    AnswerJson(output, value);
    return;
  }
  const std::string body = WriteJson(value);
  SetHeader(output, "Content-Type", "application/json");
  OrthancPluginSendHttpStatus(Context(), output, static_cast<uint16_t>(status), body.data(),
                              static_cast<uint32_t>(body.size()));
}

void AnswerError(OrthancPluginRestOutput* output, int status, const std::string& reason) {
  if (status == 405) {
    // Orthanc refuses a 405 sent as a plain status (the client would see the connection closed): it must go with
    // the allowed methods, which our reasons name ("only GET or POST is allowed on this route").
    std::string allowed = "GET";
    const auto end = reason.find(" is allowed");
    if (reason.rfind("only ", 0) == 0 && end != std::string::npos) {
      allowed = reason.substr(5, end - 5);
      for (auto at = allowed.find(" or "); at != std::string::npos; at = allowed.find(" or "))
        allowed.replace(at, 4, ",");
    }
    OrthancPluginSendMethodNotAllowed(Context(), output, allowed.c_str());
    return;
  }
  Json::Value v;
  v["HttpStatus"] = status;
  v["Message"] = reason;
  AnswerJsonStatus(output, status, v);
}

void SetHeader(OrthancPluginRestOutput* output, const char* name, const std::string& value) {
  OrthancPluginSetHttpHeader(Context(), output, name, value.c_str());
}

int StoreErrorStatus(const archive::StoreError& error) {
  switch (error.kind()) {
    case archive::StoreError::Kind::Unavailable:
      return 503;  // a tier holding the only verified copies cannot be reached now
    case archive::StoreError::Kind::NotFound: return 404;
    case archive::StoreError::Kind::Refused: return 403;
    case archive::StoreError::Kind::NoSpace: return 507;
    default: return 500;
  }
}

OrthancPluginErrorCode RunHandler(SimpleHandler handler, OrthancPluginRestOutput* output,
                                  const OrthancPluginHttpRequest* request) {
  try {
    handler(output, request);
  } catch (const HttpError& e) {
    AnswerError(output, e.status, e.reason);
  } catch (const OrthancCallError& e) {
    AnswerError(output, e.HttpStatus(), e.what());
  } catch (const archive::StoreError& e) {
    AnswerError(output, StoreErrorStatus(e), e.what());
  } catch (const std::exception& e) {
    AnswerError(output, 500, e.what());
  }
  return OrthancPluginErrorCode_Success;
}

std::string GetArgument(const OrthancPluginHttpRequest* request, const char* key, const std::string& fallback) {
  for (uint32_t i = 0; i < request->getCount; ++i) {
    if (std::strcmp(request->getKeys[i], key) == 0) return request->getValues[i];
  }
  return fallback;
}

int GetIntArgument(const OrthancPluginHttpRequest* request, const char* key, int fallback, int min, int max) {
  const std::string text = GetArgument(request, key, "");
  if (text.empty()) return fallback;
  try {
    size_t used = 0;
    const int value = std::stoi(text, &used);
    if (used == text.size() && value >= min && value <= max) return value;
  } catch (const std::exception&) {
  }
  throw HttpError{400, std::string("query parameter '") + key + "' must be an integer from " + std::to_string(min) +
                           " to " + std::to_string(max)};
}

std::string GetHeader(const OrthancPluginHttpRequest* request, const char* lowercaseName) {
  for (uint32_t i = 0; i < request->headersCount; ++i) {
    if (std::strcmp(request->headersKeys[i], lowercaseName) == 0) return request->headersValues[i];
  }
  return "";
}

Json::Value JsonBody(const OrthancPluginHttpRequest* request) {
  if (request->bodySize == 0) return Json::Value(Json::objectValue);
  try {
    Json::Value v = ParseJson(std::string(static_cast<const char*>(request->body), request->bodySize));
    if (!v.isObject()) throw HttpError{400, "the request body must be a JSON object"};
    return v;
  } catch (const HttpError&) {
    throw;
  } catch (const std::exception& e) {
    throw HttpError{400, std::string("the request body is not JSON: ") + e.what()};
  }
}

std::string RequiredText(const Json::Value& body, const char* key) {
  if (!body.isMember(key) || !body[key].isString() || body[key].asString().empty())
    throw HttpError{400, std::string("\"") + key + "\" is required (a non-empty string)"};
  if (body[key].asString().size() > 4096) throw HttpError{400, std::string("\"") + key + "\" is too long"};
  return body[key].asString();
}

const char* MethodName(OrthancPluginHttpMethod method) {
  switch (method) {
    case OrthancPluginHttpMethod_Get: return "GET";
    case OrthancPluginHttpMethod_Post: return "POST";
    case OrthancPluginHttpMethod_Put: return "PUT";
    case OrthancPluginHttpMethod_Delete: return "DELETE";
    default: return "";
  }
}

}  // namespace va::plugin
