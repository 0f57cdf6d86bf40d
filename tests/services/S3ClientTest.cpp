// The S3 client against a real single-node Ceph (radosgw) started by with-services.sh (ceph.sh).
#include <arpa/inet.h>
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <stdexcept>
#include <string>
#include <vector>

#include "va/archive/S3Client.h"
#include "va/archive/Tier.h"

namespace va::archive {
namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

// A reader over a string, handing out at most `chunk` bytes per call (odd sizes exercise the part filling).
S3Reader ReaderOf(const std::string& bytes, size_t chunk = 777777) {
  auto offset = std::make_shared<size_t>(0);
  return [&bytes, chunk, offset](uint8_t* buffer, size_t length) {
    const size_t n = std::min({length, chunk, bytes.size() - *offset});
    std::copy_n(bytes.data() + *offset, n, buffer);
    *offset += n;
    return n;
  };
}

std::string Pattern(size_t size) {
  std::string bytes(size, '\0');
  uint32_t x = 2463534242U;
  for (char& c : bytes) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x);
  }
  return bytes;
}

int ClosedPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0)
    throw std::runtime_error("cannot bind a loopback socket");
  ::close(fd);  // bound, never listened: connections are refused
  return ntohs(address.sin_port);
}

// A GET on the bucket signed by libcurl itself, for what the client does not expose (ListMultipartUploads).
std::string RawBucketGet(const S3Settings& settings, const std::string& query) {
  CURL* curl = curl_easy_init();
  std::string body;
  const std::string url = settings.endpoint + "/" + settings.bucket + "?" + query;
  const std::string sigv4 = "aws:amz:" + settings.region + ":s3";
  curl_slist* headers = curl_slist_append(
      nullptr, "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, sigv4.c_str());
  curl_easy_setopt(curl, CURLOPT_USERNAME, settings.accessKey.c_str());
  curl_easy_setopt(curl, CURLOPT_PASSWORD, settings.secretKey.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(
      curl, CURLOPT_WRITEFUNCTION, +[](char* data, size_t size, size_t count, void* user) {
        static_cast<std::string*>(user)->append(data, size * count);
        return size * count;
      });
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  const CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK || status != 200) throw std::runtime_error("GET ?" + query + " failed: " + body);
  return body;
}

class S3ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (Env("VA_S3_ENDPOINT").empty() || Env("VA_S3_ACCESS_KEY").empty() || Env("VA_S3_SECRET_KEY").empty())
      FAIL() << "VA_S3_ENDPOINT, VA_S3_ACCESS_KEY and VA_S3_SECRET_KEY are not set: run this binary under "
                "tests/services/with-services.sh (ctest -R archive.services), which starts Ceph with ceph.sh";
    base_.endpoint = Env("VA_S3_ENDPOINT");
    base_.accessKey = Env("VA_S3_ACCESS_KEY");
    base_.secretKey = Env("VA_S3_SECRET_KEY");
    if (!Env("VA_S3_REGION").empty()) base_.region = Env("VA_S3_REGION");
    base_.partSize = 5U << 20;
    base_.connectTimeoutSeconds = 2;
    base_.timeoutSeconds = 60;
    base_.bucket = "va-plain-" + std::to_string(::getpid());
    locked_ = base_;
    locked_.bucket = "va-locked-" + std::to_string(::getpid());
    locked_.objectLock = true;
    S3Client(base_).CreateBucket();
    S3Client(locked_).CreateBucket();
  }

  static std::string Key() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    return std::string(info->name()) + "/object";
  }

  static std::string ReadAll(S3Client& client, const std::string& key, size_t size) {
    std::string bytes(size, '\0');
    const size_t n = client.GetRange(key, 0, reinterpret_cast<uint8_t*>(bytes.data()), size);
    bytes.resize(n);
    return bytes;
  }

  static int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

  S3Settings base_;
  S3Settings locked_;
};

TEST_F(S3ClientTest, CreateBucketTwiceSucceeds) {
  S3Client client(base_);
  EXPECT_NO_THROW(client.CreateBucket());
  S3Client locked(locked_);
  EXPECT_NO_THROW(locked.CreateBucket());
}

TEST_F(S3ClientTest, PutGetHeadSmallObject) {
  S3Client client(base_);
  const std::string bytes = "hello, archive";
  client.Put(Key(), ReaderOf(bytes, 3), bytes.size(), {});
  EXPECT_EQ(ReadAll(client, Key(), 100), bytes);
  uint8_t middle[5];
  ASSERT_EQ(client.GetRange(Key(), 7, middle, sizeof middle), 5U);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(middle), 5), "archi");
  const auto head = client.Head(Key());
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->size, bytes.size());
  EXPECT_FALSE(head->etag.empty());
  EXPECT_EQ(head->retainUntil, 0);
}

TEST_F(S3ClientTest, PutWithGivenSha256AndEmptyObject) {
  S3Client client(base_);
  S3PutOptions options;
  options.sha256Hex = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";  // "test"
  client.Put(Key(), ReaderOf("test"), 4, options);
  EXPECT_EQ(ReadAll(client, Key(), 4), "test");

  options.sha256Hex = std::string(64, '0');  // a wrong hash is refused by the server
  EXPECT_THROW(client.Put(Key(), ReaderOf("test"), 4, options), S3Error);

  client.Put(Key() + "-empty", ReaderOf(""), 0, {});
  const auto head = client.Head(Key() + "-empty");
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->size, 0U);
  uint8_t byte = 0;
  EXPECT_EQ(client.GetRange(Key() + "-empty", 0, &byte, 1), 0U);
}

TEST_F(S3ClientTest, KeysWithSpecialCharacters) {
  S3Client client(base_);
  const std::string key = "dir one/a b+c%25&=?\xc3\xbc~'(x).bin";
  client.Put(key, ReaderOf("special"), 7, {});
  EXPECT_EQ(ReadAll(client, key, 7), "special");
  EXPECT_TRUE(client.Head(key).has_value());
  const auto keys = client.List("dir one/");
  ASSERT_EQ(keys.size(), 1U);
  EXPECT_EQ(keys[0], key);
  client.Delete(key);
  EXPECT_FALSE(client.Head(key).has_value());
}

TEST_F(S3ClientTest, MultipartUploadAndRangesAcrossParts) {
  S3Client client(base_);
  const std::string bytes = Pattern((12U << 20) + 12345);
  client.Put(Key(), ReaderOf(bytes), bytes.size(), {});
  const auto head = client.Head(Key());
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->size, bytes.size());
  EXPECT_NE(head->etag.find('-'), std::string::npos) << "a multipart ETag ends in -<parts>: " << head->etag;
  const size_t part = 5U << 20;
  for (const auto& [offset, length] : std::vector<std::pair<size_t, size_t>>{
           {0, 1000}, {part - 10, 20}, {2 * part - 3, 7}, {part - 1, part + 2}, {bytes.size() - 100, 100}}) {
    std::string got(length, '\0');
    ASSERT_EQ(client.GetRange(Key(), offset, reinterpret_cast<uint8_t*>(got.data()), length), length)
        << "offset " << offset;
    EXPECT_TRUE(got == bytes.substr(offset, length)) << "bytes differ at offset " << offset;
  }
  EXPECT_TRUE(ReadAll(client, Key(), bytes.size()) == bytes);
}

TEST_F(S3ClientTest, RangedGetPastTheEnd) {
  S3Client client(base_);
  client.Put(Key(), ReaderOf("0123456789"), 10, {});
  uint8_t buffer[16];
  EXPECT_EQ(client.GetRange(Key(), 6, buffer, sizeof buffer), 4U);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(buffer), 4), "6789");
  EXPECT_EQ(client.GetRange(Key(), 10, buffer, sizeof buffer), 0U);
  EXPECT_EQ(client.GetRange(Key(), 1000, buffer, sizeof buffer), 0U);
  EXPECT_EQ(client.GetRange(Key(), 0, buffer, 0), 0U);
}

TEST_F(S3ClientTest, MissingKeys) {
  S3Client client(base_);
  EXPECT_FALSE(client.Head("no/such/key").has_value());
  uint8_t buffer[4];
  try {
    client.GetRange("no/such/key", 0, buffer, sizeof buffer);
    FAIL() << "GET of a missing key succeeded";
  } catch (const S3Error& e) {
    EXPECT_EQ(e.httpStatus(), 404);
    EXPECT_EQ(e.code(), "NoSuchKey");
    EXPECT_NE(std::string(e.what()).find(base_.bucket + "/no/such/key"), std::string::npos) << e.what();
    EXPECT_FALSE(e.Transient());
  }
}

TEST_F(S3ClientTest, DeleteRemovesTheObject) {
  S3Client client(base_);
  client.Put(Key(), ReaderOf("x"), 1, {});
  ASSERT_TRUE(client.Head(Key()).has_value());
  client.Delete(Key());
  EXPECT_FALSE(client.Head(Key()).has_value());
  EXPECT_NO_THROW(client.Delete(Key()));  // deleting an absent key succeeds
}

TEST_F(S3ClientTest, ObjectLockRefusesDeleteAndExtends) {
  S3Client client(locked_);
  S3PutOptions options;
  options.retainUntil = Now() + 3600;
  const std::string version = client.Put(Key(), ReaderOf("locked bytes"), 12, options);
  ASSERT_FALSE(version.empty()) << "an Object Lock bucket is versioned";
  auto head = client.Head(Key());
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->versionId, version);
  EXPECT_EQ(head->retainUntil, options.retainUntil);

  try {
    client.Delete(Key(), version);
    FAIL() << "a version under COMPLIANCE retention was deleted";
  } catch (const S3Error& e) {
    EXPECT_EQ(e.httpStatus(), 403) << e.what();
    EXPECT_EQ(e.code(), "AccessDenied") << e.what();
  }
  EXPECT_EQ(ReadAll(client, Key(), 100), "locked bytes");

  client.SetRetention(Key(), version, options.retainUntil + 3600);
  head = client.Head(Key());
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->retainUntil, options.retainUntil + 3600);
  // COMPLIANCE retention cannot be shortened.
  EXPECT_THROW(client.SetRetention(Key(), version, options.retainUntil), S3Error);

  const std::string big = Pattern((5U << 20) + 1);  // multipart uploads carry the lock too
  const std::string bigVersion = client.Put(Key() + "-big", ReaderOf(big), big.size(), options);
  head = client.Head(Key() + "-big");
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->retainUntil, options.retainUntil);
  EXPECT_THROW(client.Delete(Key() + "-big", bigVersion), S3Error);

  // And the tier says Refused.
  auto tier = OpenS3Tier({"locked", "s3", "DE"}, locked_);
  try {
    tier->Remove(Key());
    FAIL() << "the tier removed a locked object";
  } catch (const TierError& e) {
    EXPECT_EQ(e.kind(), TierError::Kind::Refused) << e.what();
  }
}

TEST_F(S3ClientTest, ListAllPages) {
  S3Settings settings = base_;
  settings.listPageSize = 3;
  settings.prefix = "tenant-a/";
  S3Client client(settings);
  std::vector<std::string> expected;
  for (int i = 0; i < 10; ++i) {
    const std::string key = "list/k" + std::to_string(i);
    client.Put(key, ReaderOf("v"), 1, {});
    expected.push_back(key);
  }
  client.Put("other/k", ReaderOf("v"), 1, {});
  EXPECT_EQ(client.List("list/"), expected);  // sorted: k0..k9
  EXPECT_TRUE(client.List("nothing/").empty());
  S3Client unprefixed(base_);
  EXPECT_EQ(unprefixed.List("tenant-a/list/").size(), 10U);
}

TEST_F(S3ClientTest, WrongSecretKeyIsSignatureDoesNotMatch) {
  S3Settings settings = base_;
  settings.secretKey = "not-the-secret-key-0123456789";
  S3Client client(settings);
  try {
    client.Put(Key(), ReaderOf("x"), 1, {});
    FAIL() << "a request signed with a wrong key succeeded";
  } catch (const S3Error& e) {
    EXPECT_EQ(e.httpStatus(), 403);
    EXPECT_EQ(e.code(), "SignatureDoesNotMatch") << e.what();
    EXPECT_FALSE(e.Transient());
    const std::string what = e.what();
    EXPECT_NE(what.find("403"), std::string::npos) << what;
    EXPECT_NE(what.find(base_.bucket), std::string::npos) << what;
    EXPECT_EQ(what.find(settings.secretKey), std::string::npos) << what;
  }
  EXPECT_THROW(client.List(""), S3Error);
}

TEST_F(S3ClientTest, EndpointDownIsTransientAndQuick) {
  S3Settings settings = base_;
  settings.endpoint = "http://127.0.0.1:" + std::to_string(ClosedPort());
  S3Client client(settings);
  const auto start = std::chrono::steady_clock::now();
  try {
    client.Head("any");
    FAIL() << "HEAD against a closed port succeeded";
  } catch (const S3Error& e) {
    EXPECT_EQ(e.httpStatus(), 0);
    EXPECT_TRUE(e.Transient());
    EXPECT_NE(std::string(e.what()).find(settings.endpoint), std::string::npos) << e.what();
  }
  EXPECT_THROW(client.Put("any", ReaderOf("x"), 1, {}), S3Error);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));

  auto tier = OpenS3Tier({"down", "s3", "DE"}, settings);
  try {
    tier->SizeOf("any");
    FAIL() << "SizeOf against a closed port succeeded";
  } catch (const TierError& e) {
    EXPECT_EQ(e.kind(), TierError::Kind::Unavailable) << e.what();
  }
}

TEST_F(S3ClientTest, FailingReaderAbortsTheMultipartUpload) {
  S3Client client(base_);
  const std::string bytes = Pattern(12U << 20);
  size_t offset = 0;
  const S3Reader failing = [&](uint8_t* buffer, size_t length) -> size_t {
    if (offset >= (7U << 20)) throw std::runtime_error("reader gave up");
    const size_t n = std::min<size_t>(length, 1U << 20);
    std::copy_n(bytes.data() + offset, n, buffer);
    offset += n;
    return n;
  };
  try {
    client.Put(Key(), failing, bytes.size(), {});
    FAIL() << "Put succeeded with a failing reader";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "reader gave up");
  }
  EXPECT_FALSE(client.Head(Key()).has_value());
  const std::string uploads = RawBucketGet(base_, "uploads=");
  EXPECT_NE(uploads.find("ListMultipartUploadsResult"), std::string::npos) << uploads;
  EXPECT_EQ(uploads.find(Key()), std::string::npos) << "the multipart upload was not aborted: " << uploads;

  // A source shorter than announced fails the same way, in one PUT and in multipart.
  EXPECT_THROW(client.Put(Key(), ReaderOf("abc"), 10, {}), std::runtime_error);
  EXPECT_THROW(client.Put(Key(), ReaderOf(bytes), bytes.size() + 1, {}), std::runtime_error);
  EXPECT_FALSE(client.Head(Key()).has_value());
  EXPECT_EQ(RawBucketGet(base_, "uploads=").find(Key()), std::string::npos);
  EXPECT_TRUE(client.List(std::string(::testing::UnitTest::GetInstance()->current_test_info()->name())).empty());
}

}  // namespace
}  // namespace va::archive
