// Small helpers every REST route of ours shares: errors with a status and a reason, JSON answers, request fields.
#pragma once

#include <json/json.h>
#include <orthanc/OrthancCPlugin.h>

#include <stdexcept>
#include <string>
#include <utility>

#include "va/archive/ObjectStore.h"

namespace va::plugin {

// A client error carrying its HTTP status and a reason; the routes answer it as JSON {HttpStatus, Message}.
// A std::exception, so that code in between (parsers calling our handlers) passes it through unchanged.
struct HttpError : std::runtime_error {
  HttpError(int status_, std::string reason_)
      : std::runtime_error(reason_), status(status_), reason(std::move(reason_)) {}
  int status;
  std::string reason;
};

// The HTTP status of an archive storage error (503 for a tier that cannot be reached, ...).
int StoreErrorStatus(const archive::StoreError& error);

void AnswerJson(OrthancPluginRestOutput* output, const Json::Value& value, const char* mime = "application/json");
void AnswerJsonStatus(OrthancPluginRestOutput* output, int status, const Json::Value& value);
void AnswerError(OrthancPluginRestOutput* output, int status, const std::string& reason);
void SetHeader(OrthancPluginRestOutput* output, const char* name, const std::string& value);

// A plain route handler; RunHandler calls it and answers what it throws: HttpError with its status and reason, a
// failed call into Orthanc with the nearest status, anything else with 500.
using SimpleHandler = void (*)(OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request);
OrthancPluginErrorCode RunHandler(SimpleHandler handler, OrthancPluginRestOutput* output,
                                  const OrthancPluginHttpRequest* request);

std::string GetArgument(const OrthancPluginHttpRequest* request, const char* key, const std::string& fallback);
// The request body as a JSON object ({} when empty); HttpError 400 with the parser's reason otherwise.
Json::Value JsonBody(const OrthancPluginHttpRequest* request);
// body[key] as a non-empty string of at most 4096 characters; HttpError 400 naming the key otherwise.
std::string RequiredText(const Json::Value& body, const char* key);
int GetIntArgument(const OrthancPluginHttpRequest* request, const char* key, int fallback, int min, int max);
// "GET", "POST", "PUT", "DELETE"; "" for any other method.
const char* MethodName(OrthancPluginHttpMethod method);
// Header value ("" when absent); Orthanc gives header names in lower case.
std::string GetHeader(const OrthancPluginHttpRequest* request, const char* lowercaseName);

}  // namespace va::plugin
