// S3 on libcurl: requests signed by curl (CURLOPT_AWS_SIGV4), the payload hash sent by us (x-amz-content-sha256),
// path-style URLs, one easy handle per request (so one client serves several threads), errors read with libxml2.
#include "va/archive/S3Client.h"

#include <curl/curl.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <utility>

#include "S3Xml.h"
#include "va/archive/Sha256.h"

namespace va::archive {
namespace {

constexpr size_t kMaxErrorBody = 64U << 10;  // an error body kept for the message
constexpr const char* kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

struct CurlFree {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct SlistFree {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using CurlHandle = std::unique_ptr<CURL, CurlFree>;
using HeaderList = std::unique_ptr<curl_slist, SlistFree>;

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// RFC 3986 percent-encoding of everything but the unreserved characters (and '/' when keepSlash), as SigV4 wants.
std::string Encode(const std::string& text, bool keepSlash) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~' || (keepSlash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string Sha256Hex(const uint8_t* data, size_t size) {
  Sha256 sha;
  sha.Update(data, size);
  return sha.HexDigest();
}

std::string Md5Base64(const uint8_t* data, size_t size) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data, size, digest, &length, EVP_md5(), nullptr) != 1)
    throw S3Error("S3: OpenSSL cannot compute an MD5 digest", 0, "InternalError");
  unsigned char text[64];
  const int written = EVP_EncodeBlock(text, digest, static_cast<int>(length));
  return std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(written));
}

struct Request {
  const char* method = "GET";
  std::string key;    // relative to the bucket (already with the settings' prefix); "" = the bucket itself
  std::string query;  // canonical: names sorted, values encoded, valueless names written "name="
  std::vector<std::string> headers;
  const uint8_t* body = nullptr;
  size_t bodySize = 0;
  std::string payloadSha256;  // hex; computed when empty
  // A ranged GET writes a 2xx body here (skipping `skip` bytes first) instead of into Response::body.
  uint8_t* sink = nullptr;
  size_t sinkCapacity = 0;
  uint64_t skip = 0;
};

struct Response {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names in lower case
  size_t sinkWritten = 0;
  const std::string& Header(const std::string& name) const {
    static const std::string kNone;
    const auto it = headers.find(name);
    return it == headers.end() ? kNone : it->second;
  }
};

struct Transfer {
  CURL* curl;
  Request* request;
  Response* response;
  uint64_t skipped = 0;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  long status = 0;
  curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
  if (t->request->sink != nullptr && status >= 200 && status < 300) {
    size_t offset = 0;
    if (t->skipped < t->request->skip) {
      offset = static_cast<size_t>(std::min<uint64_t>(n, t->request->skip - t->skipped));
      t->skipped += offset;
    }
    const size_t room = t->request->sinkCapacity - t->response->sinkWritten;
    const size_t copy = std::min(room, n - offset);
    std::memcpy(t->request->sink + t->response->sinkWritten, data + offset, copy);
    t->response->sinkWritten += copy;
    return n;  // bytes beyond the buffer (a server ignoring Range) are dropped
  }
  if (t->response->body.size() < kMaxErrorBody)
    t->response->body.append(data, std::min(n, kMaxErrorBody - t->response->body.size()));
  return n;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  const std::string line(data, n);
  if (line.rfind("HTTP/", 0) == 0) {
    t->response->headers.clear();  // a new status line (after 100 Continue)
    return n;
  }
  const size_t colon = line.find(':');
  if (colon == std::string::npos) return n;
  std::string name = line.substr(0, colon);
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  size_t begin = colon + 1;
  size_t end = line.size();
  while (begin < end && (line[begin] == ' ' || line[begin] == '\t')) ++begin;
  while (end > begin && (line[end - 1] == '\r' || line[end - 1] == '\n' || line[end - 1] == ' ')) --end;
  t->response->headers[name] = line.substr(begin, end - begin);
  return n;
}

template <typename T>
void Set(CURL* curl, CURLoption option, T value) {
  const CURLcode rc = curl_easy_setopt(curl, option, value);
  if (rc != CURLE_OK)
    throw S3Error(std::string("S3: libcurl refuses an option: ") + curl_easy_strerror(rc), 0, "ClientError");
}

}  // namespace

class S3Connection {
 public:
  explicit S3Connection(const S3Settings& settings) : settings_(settings) {
    endpoint_ = settings.endpoint;
    while (!endpoint_.empty() && endpoint_.back() == '/') endpoint_.pop_back();
    sigv4_ = "aws:amz:" + settings.region + ":s3";
  }

  std::string Describe(const Request& request) const {
    std::string what = std::string("S3 ") + request.method + " " + settings_.bucket;
    if (!request.key.empty()) what += "/" + request.key;
    if (!request.query.empty()) what += "?" + request.query;
    return what;
  }

  // Sends one request; throws S3Error(httpStatus 0) when no answer came. Any HTTP status is returned.
  Response Perform(Request& request) const {
    GlobalInit();
    CurlHandle curl(curl_easy_init());
    if (!curl) throw S3Error("S3: libcurl cannot create a handle", 0, "ClientError");
    CURL* c = curl.get();
    Response response;
    Transfer transfer{c, &request, &response};

    std::string url = endpoint_ + "/" + Encode(settings_.bucket, false);
    if (!request.key.empty()) url += "/" + Encode(request.key, true);
    if (!request.query.empty()) url += "?" + request.query;

    const std::string sha = !request.payloadSha256.empty() ? request.payloadSha256
                            : request.bodySize > 0         ? Sha256Hex(request.body, request.bodySize)
                                                           : std::string(kEmptySha256);
    HeaderList headers;
    auto add = [&headers](const std::string& header) {
      curl_slist* head = curl_slist_append(headers.get(), header.c_str());  // the list's head, new when it was empty
      if (head == nullptr) throw S3Error("S3: out of memory for headers", 0, "ClientError");
      if (!headers) headers.reset(head);
    };
    add("x-amz-content-sha256: " + sha);
    for (const std::string& header : request.headers) add(header);

    Set(c, CURLOPT_URL, url.c_str());
    Set(c, CURLOPT_NOSIGNAL, 1L);
    Set(c, CURLOPT_AWS_SIGV4, sigv4_.c_str());
    Set(c, CURLOPT_USERNAME, settings_.accessKey.c_str());
    Set(c, CURLOPT_PASSWORD, settings_.secretKey.c_str());
    Set(c, CURLOPT_CONNECTTIMEOUT, settings_.connectTimeoutSeconds);
    Set(c, CURLOPT_TIMEOUT, settings_.timeoutSeconds);
    Set(c, CURLOPT_WRITEFUNCTION, &OnBody);
    Set(c, CURLOPT_WRITEDATA, &transfer);
    Set(c, CURLOPT_HEADERFUNCTION, &OnHeader);
    Set(c, CURLOPT_HEADERDATA, &transfer);
    const std::string method = request.method;
    if (method == "HEAD") {
      Set(c, CURLOPT_NOBODY, 1L);
    } else if (method == "PUT" || method == "POST") {
      // The body from memory; CUSTOMREQUEST turns curl's POST into the verb we want.
      Set(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.bodySize));
      Set(c, CURLOPT_POSTFIELDS, request.bodySize > 0 ? reinterpret_cast<const char*>(request.body) : "");
      Set(c, CURLOPT_CUSTOMREQUEST, request.method);
    } else if (method != "GET") {
      Set(c, CURLOPT_CUSTOMREQUEST, request.method);
    }
    // No "Expect:" removal header: curl 7.88 would sign it as an empty header and the signature would not match.
    Set(c, CURLOPT_HTTPHEADER, headers.get());

    char error[CURL_ERROR_SIZE] = "";
    Set(c, CURLOPT_ERRORBUFFER, error);
    const CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) {
      throw S3Error(Describe(request) + ": no answer from " + endpoint_ + ": " +
                        (error[0] != '\0' ? std::string(error) : std::string(curl_easy_strerror(rc))),
                    0, "NetworkError");
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
    return response;
  }

  // Performs and throws S3Error unless the status is 2xx; GET and HEAD are tried once more on a transient failure.
  Response Expect2xx(Request& request) const {
    const bool idempotentRead = std::strcmp(request.method, "GET") == 0 || std::strcmp(request.method, "HEAD") == 0;
    for (int attempt = 0;; ++attempt) {
      try {
        Response response = Perform(request);
        if (response.status >= 200 && response.status < 300) return response;
        ThrowFor(request, response);
      } catch (const S3Error& e) {
        if (!idempotentRead || attempt > 0 || !e.Transient() || request.sink != nullptr) throw;
      }
    }
  }

  [[noreturn]] void ThrowFor(const Request& request, const Response& response) const {
    auto [code, message] = ParseS3Error(response.body);
    if (code.empty()) code = "HTTP" + std::to_string(response.status);
    std::string reason = Describe(request) + ": HTTP " + std::to_string(response.status) + " " + code;
    if (!message.empty()) reason += ": " + message;
    throw S3Error(reason, response.status, code);
  }

 private:
  const S3Settings& settings_;
  std::string endpoint_;
  std::string sigv4_;
};

namespace {

void AddLockHeaders(std::vector<std::string>& headers, int64_t retainUntil) {
  if (retainUntil <= 0) return;
  headers.push_back("x-amz-object-lock-mode: COMPLIANCE");
  headers.push_back("x-amz-object-lock-retain-until-date: " + s3::FormatIso8601(retainUntil));
}

// Fills up to length bytes from source; fewer only when the source ends.
size_t Fill(const S3Reader& source, uint8_t* buffer, size_t length) {
  size_t filled = 0;
  while (filled < length) {
    const size_t n = source(buffer + filled, length - filled);
    if (n == 0) break;
    if (n > length - filled) throw std::length_error("S3 upload: the reader returned more bytes than asked");
    filled += n;
  }
  return filled;
}

}  // namespace

S3Client::S3Client(S3Settings settings) : settings_(std::move(settings)) {
  if (settings_.endpoint.empty() || settings_.bucket.empty())
    throw std::invalid_argument("S3 settings: endpoint and bucket are required");
  if (settings_.partSize < (5U << 20)) throw std::invalid_argument("S3 settings: partSize below the 5 MiB minimum");
  if (settings_.listPageSize < 1 || settings_.listPageSize > 1000)
    throw std::invalid_argument("S3 settings: listPageSize must be between 1 and 1000");
  GlobalInit();
}

S3Client::~S3Client() = default;

void S3Client::CreateBucket() {
  const S3Connection s3(settings_);
  Request request;
  request.method = "PUT";
  std::string body;
  if (settings_.region != "us-east-1") {
    body = "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>" +
           s3::XmlEscape(settings_.region) + "</LocationConstraint></CreateBucketConfiguration>";
    request.body = reinterpret_cast<const uint8_t*>(body.data());
    request.bodySize = body.size();
  }
  request.headers.push_back("Content-Type: application/xml");
  if (settings_.objectLock) request.headers.push_back("x-amz-bucket-object-lock-enabled: true");
  const Response response = s3.Perform(request);
  if (response.status >= 200 && response.status < 300) return;
  if (ParseS3Error(response.body).first == "BucketAlreadyOwnedByYou") return;
  s3.ThrowFor(request, response);
}

std::string S3Client::Put(const std::string& key, const S3Reader& source, uint64_t size, const S3PutOptions& options) {
  const S3Connection s3(settings_);
  const std::string fullKey = settings_.prefix + key;
  std::vector<std::string> common{"Content-Type: " + options.contentType};
  AddLockHeaders(common, options.retainUntil);

  if (size <= settings_.partSize) {
    std::vector<uint8_t> buffer(static_cast<size_t>(size));
    const size_t got = Fill(source, buffer.data(), buffer.size());
    if (got != size)
      throw std::runtime_error("S3 PUT " + settings_.bucket + "/" + fullKey + ": the source ended after " +
                               std::to_string(got) + " of " + std::to_string(size) + " bytes");
    Request request;
    request.method = "PUT";
    request.key = fullKey;
    request.headers = common;
    request.headers.push_back("Content-MD5: " + Md5Base64(buffer.data(), buffer.size()));
    request.body = buffer.data();
    request.bodySize = buffer.size();
    request.payloadSha256 = options.sha256Hex;
    return s3.Expect2xx(request).Header("x-amz-version-id");
  }

  // Multipart: initiate, one part in memory at a time, complete; abort on any failure.
  Request initiate;
  initiate.method = "POST";
  initiate.key = fullKey;
  initiate.query = "uploads=";
  initiate.headers = common;
  const std::string uploadId = s3::ParseUploadId(s3.Expect2xx(initiate).body);
  if (uploadId.empty())
    throw S3Error(s3.Describe(initiate) + ": the answer carries no UploadId", 200, "InvalidResponse");
  const std::string uploadQuery = "uploadId=" + Encode(uploadId, false);
  try {
    std::string complete = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
    std::vector<uint8_t> buffer(static_cast<size_t>(settings_.partSize));
    uint64_t sent = 0;
    for (int part = 1; sent < size; ++part) {
      const size_t want = static_cast<size_t>(std::min<uint64_t>(settings_.partSize, size - sent));
      const size_t got = Fill(source, buffer.data(), want);
      if (got != want)
        throw std::runtime_error("S3 PUT " + settings_.bucket + "/" + fullKey + ": the source ended after " +
                                 std::to_string(sent + got) + " of " + std::to_string(size) + " bytes");
      Request request;
      request.method = "PUT";
      request.key = fullKey;
      request.query = "partNumber=" + std::to_string(part) + "&" + uploadQuery;
      request.headers.push_back("Content-Type: application/octet-stream");
      request.headers.push_back("Content-MD5: " + Md5Base64(buffer.data(), got));
      request.body = buffer.data();
      request.bodySize = got;
      const Response response = s3.Expect2xx(request);
      const std::string& etag = response.Header("etag");
      if (etag.empty()) throw S3Error(s3.Describe(request) + ": the answer carries no ETag", 200, "InvalidResponse");
      complete +=
          "<Part><PartNumber>" + std::to_string(part) + "</PartNumber><ETag>" + s3::XmlEscape(etag) + "</ETag></Part>";
      sent += got;
    }
    complete += "</CompleteMultipartUpload>";
    Request request;
    request.method = "POST";
    request.key = fullKey;
    request.query = uploadQuery;
    request.headers.push_back("Content-Type: application/xml");
    request.body = reinterpret_cast<const uint8_t*>(complete.data());
    request.bodySize = complete.size();
    const Response response = s3.Expect2xx(request);
    // CompleteMultipartUpload may fail after its 200 status: the body is then an error document.
    if (!ParseS3Error(response.body).first.empty()) s3.ThrowFor(request, Response{500, response.body, {}, 0});
    std::string versionId = response.Header("x-amz-version-id");
    if (options.retainUntil > 0) {
      // Ceph RGW 16 ignores the Object Lock headers of CreateMultipartUpload: the retention is set (or confirmed)
      // on the completed version. AWS applies them at initiation; repeating the same date is allowed there.
      const auto head = Head(key);
      if (!head) throw S3Error(s3.Describe(request) + ": the completed object is not there", 404, "NoSuchKey");
      if (versionId.empty()) versionId = head->versionId;
      if (head->retainUntil < options.retainUntil) SetRetention(key, versionId, options.retainUntil);
    }
    return versionId;
  } catch (...) {
    Request abort;
    abort.method = "DELETE";
    abort.key = fullKey;
    abort.query = uploadQuery;
    try {
      s3.Perform(abort);
    } catch (const S3Error&) {  // parts left behind: an AbortIncompleteMultipartUpload lifecycle rule removes them
    }
    throw;
  }
}

size_t S3Client::GetRange(const std::string& key, uint64_t offset, uint8_t* buffer, size_t length) {
  if (length == 0) return 0;
  const S3Connection s3(settings_);
  for (int attempt = 0;; ++attempt) {
    Request request;
    request.key = settings_.prefix + key;
    request.headers.push_back("Range: bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1));
    request.sink = buffer;
    request.sinkCapacity = length;
    try {
      const Response response = s3.Perform(request);
      if (response.status == 206) return response.sinkWritten;
      if (response.status == 200) {
        // The whole object (a server that ignores Range): the callback skipped nothing, so redo with a skip.
        if (offset == 0) return response.sinkWritten;
        request.skip = offset;
        request.headers.clear();
        const Response whole = s3.Expect2xx(request);
        return whole.sinkWritten;
      }
      if (response.status == 416) return 0;  // at or past the end
      s3.ThrowFor(request, response);
    } catch (const S3Error& e) {
      if (attempt > 0 || !e.Transient()) throw;
    }
  }
}

std::optional<S3ObjectHead> S3Client::Head(const std::string& key) {
  const S3Connection s3(settings_);
  Request request;
  request.method = "HEAD";
  request.key = settings_.prefix + key;
  for (int attempt = 0;; ++attempt) {
    try {
      const Response response = s3.Perform(request);
      if (response.status == 404) return std::nullopt;
      if (response.status < 200 || response.status >= 300) s3.ThrowFor(request, response);
      S3ObjectHead head;
      head.size = std::strtoull(response.Header("content-length").c_str(), nullptr, 10);
      head.etag = response.Header("etag");
      head.versionId = response.Header("x-amz-version-id");
      const std::string& until = response.Header("x-amz-object-lock-retain-until-date");
      if (!until.empty()) head.retainUntil = s3::ParseIso8601(until);
      return head;
    } catch (const S3Error& e) {
      if (attempt > 0 || !e.Transient()) throw;
    }
  }
}

void S3Client::Delete(const std::string& key, const std::string& versionId) {
  const S3Connection s3(settings_);
  Request request;
  request.method = "DELETE";
  request.key = settings_.prefix + key;
  if (!versionId.empty()) request.query = "versionId=" + Encode(versionId, false);
  s3.Expect2xx(request);
}

void S3Client::SetRetention(const std::string& key, const std::string& versionId, int64_t retainUntil) {
  const S3Connection s3(settings_);
  const std::string body =
      "<Retention xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Mode>COMPLIANCE</Mode><RetainUntilDate>" +
      s3::FormatIso8601(retainUntil) + "</RetainUntilDate></Retention>";
  Request request;
  request.method = "PUT";
  request.key = settings_.prefix + key;
  request.query = "retention=";
  if (!versionId.empty()) request.query += "&versionId=" + Encode(versionId, false);
  request.headers.push_back("Content-Type: application/xml");
  request.headers.push_back("Content-MD5: " + Md5Base64(reinterpret_cast<const uint8_t*>(body.data()), body.size()));
  request.body = reinterpret_cast<const uint8_t*>(body.data());
  request.bodySize = body.size();
  s3.Expect2xx(request);
}

std::vector<std::string> S3Client::List(const std::string& prefix) {
  const S3Connection s3(settings_);
  const std::string fullPrefix = settings_.prefix + prefix;
  std::vector<std::string> keys;
  std::string token;
  do {
    Request request;
    // Query names in canonical (sorted) order.
    if (!token.empty()) request.query = "continuation-token=" + Encode(token, false) + "&";
    request.query +=
        "list-type=2&max-keys=" + std::to_string(settings_.listPageSize) + "&prefix=" + Encode(fullPrefix, false);
    const Response response = s3.Expect2xx(request);
    std::pair<std::vector<std::string>, std::string> page;
    try {
      page = ParseS3Listing(response.body);
    } catch (const std::runtime_error& e) {
      throw S3Error(s3.Describe(request) + ": " + e.what(), response.status, "InvalidResponse");
    }
    for (std::string& key : page.first) {
      if (key.compare(0, settings_.prefix.size(), settings_.prefix) != 0) continue;
      keys.push_back(key.substr(settings_.prefix.size()));
    }
    if (page.second == token && !token.empty())
      throw S3Error(s3.Describe(request) + ": the listing repeats its continuation token", 200, "InvalidResponse");
    token = std::move(page.second);
  } while (!token.empty());
  return keys;
}

}  // namespace va::archive
