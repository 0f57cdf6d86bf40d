#include "OrthancApi.h"

#include <fstream>
#include <memory>
#include <sstream>

namespace va::plugin {

namespace {
OrthancPluginContext* g_context = nullptr;

void Check(OrthancPluginErrorCode code, const std::string& what) {
  if (code != OrthancPluginErrorCode_Success) {
    throw OrthancCallError(what + ": " + OrthancPluginGetErrorDescription(g_context, code), code);
  }
}
}  // namespace

OrthancPluginContext* Context() {
  return g_context;
}
void SetContext(OrthancPluginContext* context) {
  g_context = context;
}

OrthancCallError::OrthancCallError(const std::string& what, OrthancPluginErrorCode code)
    : std::runtime_error(what), code_(code) {}

int OrthancCallError::HttpStatus() const {
  switch (code_) {
    case OrthancPluginErrorCode_UnknownResource:
    case OrthancPluginErrorCode_InexistentItem: return 404;
    case OrthancPluginErrorCode_BadRequest:
    case OrthancPluginErrorCode_BadFileFormat: return 400;
    default: return 500;
  }
}

OrthancBuffer::OrthancBuffer() : buffer_{nullptr, 0} {}
OrthancBuffer::~OrthancBuffer() {
  if (buffer_.data != nullptr) OrthancPluginFreeMemoryBuffer(g_context, &buffer_);
}

std::string TakeOrthancString(char* text) {
  if (text == nullptr) return std::string();
  std::unique_ptr<char, void (*)(char*)> owner(text, [](char* p) { OrthancPluginFreeString(g_context, p); });
  return std::string(owner.get());
}

bool RestGetIfFound(const std::string& uri, std::string& body) {
  OrthancBuffer buffer;
  const OrthancPluginErrorCode code = OrthancPluginRestApiGet(g_context, buffer.get(), uri.c_str());
  if (code == OrthancPluginErrorCode_UnknownResource || code == OrthancPluginErrorCode_InexistentItem) {
    return false;
  }
  Check(code, "GET " + uri);
  body = buffer.str();
  return true;
}

std::string RestGetPlugins(const std::string& uri, const std::vector<std::pair<std::string, std::string>>& headers) {
  std::vector<const char*> keys, values;
  for (const auto& h : headers) {
    keys.push_back(h.first.c_str());
    values.push_back(h.second.c_str());
  }
  OrthancBuffer buffer;
  Check(OrthancPluginRestApiGet2(g_context, buffer.get(), uri.c_str(), static_cast<uint32_t>(keys.size()), keys.data(),
                                 values.data(), 1),
        "GET " + uri);
  return buffer.str();
}

std::string RestPost(const std::string& uri, const void* body, size_t size) {
  OrthancBuffer buffer;
  Check(OrthancPluginRestApiPost(g_context, buffer.get(), uri.c_str(), body, size), "POST " + uri);
  return buffer.str();
}

std::string RestPut(const std::string& uri, const std::string& body) {
  OrthancBuffer buffer;
  Check(OrthancPluginRestApiPut(g_context, buffer.get(), uri.c_str(), body.data(), body.size()), "PUT " + uri);
  return buffer.str();
}

void RestDelete(const std::string& uri) {
  Check(OrthancPluginRestApiDelete(g_context, uri.c_str()), "DELETE " + uri);
}

std::string PostInstanceFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream content;
  content << in.rdbuf();
  const std::string body = content.str();
  return ParseJson(RestPost("/instances", body.data(), body.size())).get("ID", "").asString();
}

Json::Value ParseJson(const std::string& text) {
  Json::CharReaderBuilder builder;
  std::unique_ptr<Json::CharReader> reader(builder.newCharReader());
  Json::Value value;
  std::string errors;
  if (!reader->parse(text.data(), text.data() + text.size(), &value, &errors)) {
    throw std::runtime_error("invalid JSON: " + errors);
  }
  return value;
}

std::string WriteJson(const Json::Value& value, bool pretty) {
  Json::StreamWriterBuilder builder;
  builder["indentation"] = pretty ? "  " : "";
  return Json::writeString(builder, value);
}

void LogInfo(const std::string& message) {
  OrthancPluginLogInfo(g_context, ("VideoArchive: " + message).c_str());
}
void LogWarning(const std::string& message) {
  OrthancPluginLogWarning(g_context, ("VideoArchive: " + message).c_str());
}
void LogError(const std::string& message) {
  OrthancPluginLogError(g_context, ("VideoArchive: " + message).c_str());
}

}  // namespace va::plugin
