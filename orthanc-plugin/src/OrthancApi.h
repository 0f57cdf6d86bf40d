// A thin RAII layer over the Orthanc plugin SDK: strings and buffers freed on every path, calls that throw.
#pragma once

#include <json/json.h>
#include <orthanc/OrthancCPlugin.h>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace va::plugin {

// The context Orthanc gave us at initialisation.
OrthancPluginContext* Context();
void SetContext(OrthancPluginContext* context);

// A call into Orthanc failed; httpStatus is the nearest HTTP status (404 for unknown resources).
class OrthancCallError : public std::runtime_error {
 public:
  OrthancCallError(const std::string& what, OrthancPluginErrorCode code);
  OrthancPluginErrorCode code() const { return code_; }
  int HttpStatus() const;

 private:
  OrthancPluginErrorCode code_;
};

// Owns an OrthancPluginMemoryBuffer.
class OrthancBuffer {
 public:
  OrthancBuffer();
  ~OrthancBuffer();
  OrthancBuffer(const OrthancBuffer&) = delete;
  OrthancBuffer& operator=(const OrthancBuffer&) = delete;
  OrthancPluginMemoryBuffer* get() { return &buffer_; }
  const char* data() const { return static_cast<const char*>(buffer_.data); }
  size_t size() const { return buffer_.size; }
  std::string str() const { return std::string(data(), size()); }

 private:
  OrthancPluginMemoryBuffer buffer_;
};

// Owns a char* that Orthanc allocated; empty string for NULL.
std::string TakeOrthancString(char* text);

// Orthanc's own REST API (built-in routes and other plugins'), as the job/worker threads need it.
bool RestGetIfFound(const std::string& uri, std::string& body);  // false on 404
std::string RestPost(const std::string& uri, const void* body, size_t size);
// GET through the API as HTTP clients see it (other plugins' routes included), with request headers.
std::string RestGetPlugins(const std::string& uri, const std::vector<std::pair<std::string, std::string>>& headers);
std::string RestPut(const std::string& uri, const std::string& body);
void RestDelete(const std::string& uri);
// Stores a DICOM file through POST /instances (Orthanc parses it in memory: the file is read whole, for the length
// of the call only). Returns Orthanc's instance ID, "" when the answer names none.
std::string PostInstanceFile(const std::string& path);

Json::Value ParseJson(const std::string& text);  // throws std::runtime_error with the parser's reason
std::string WriteJson(const Json::Value& value, bool pretty = true);

void LogInfo(const std::string& message);
void LogWarning(const std::string& message);
void LogError(const std::string& message);

}  // namespace va::plugin
