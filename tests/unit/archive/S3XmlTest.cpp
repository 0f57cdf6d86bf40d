// The XML answers of S3 the client reads: error documents and ListObjectsV2 pages (no server needed).
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "va/archive/S3Client.h"

namespace va::archive {
namespace {

TEST(S3XmlTest, ErrorDocument) {
  const auto [code, message] = ParseS3Error(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code><Message>The specified key does not "
      "exist.</Message><Key>a/b</Key><RequestId>tx0</RequestId></Error>");
  EXPECT_EQ(code, "NoSuchKey");
  EXPECT_EQ(message, "The specified key does not exist.");
}

TEST(S3XmlTest, ErrorWithoutMessageAndEscapes) {
  EXPECT_EQ(ParseS3Error("<Error><Code>AccessDenied</Code></Error>"),
            std::make_pair(std::string("AccessDenied"), std::string()));
  EXPECT_EQ(ParseS3Error("<Error><Code>X</Code><Message>a &lt; b &amp; c</Message></Error>").second, "a < b & c");
  EXPECT_EQ(ParseS3Error("<Error><Code>X</Code><Message><![CDATA[raw <text>]]></Message></Error>").second,
            "raw <text>");
}

TEST(S3XmlTest, NotAnErrorDocument) {
  const std::pair<std::string, std::string> none;
  EXPECT_EQ(ParseS3Error(""), none);
  EXPECT_EQ(ParseS3Error("not xml at all"), none);
  EXPECT_EQ(ParseS3Error("<html><body>502 Bad Gateway</body></html>"), none);
  EXPECT_EQ(ParseS3Error("<Error><Message>no code</Message></Error>"), none);
  EXPECT_EQ(ParseS3Error("<Error><Code>Truncated"), none);
}

TEST(S3XmlTest, EntitiesAreNeverExpanded) {
  // A document type (internal entities, an external entity) is refused outright.
  const std::string laughs =
      "<?xml version=\"1.0\"?><!DOCTYPE Error [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">"
      "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;\">]><Error><Code>&c;</Code><Message>&c;</Message></Error>";
  EXPECT_EQ(ParseS3Error(laughs).first, "");
  const std::string external =
      "<?xml version=\"1.0\"?><!DOCTYPE Error [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
      "<Error><Code>&x;</Code></Error>";
  EXPECT_EQ(ParseS3Error(external).first, "");
  EXPECT_THROW(ParseS3Listing("<!DOCTYPE ListBucketResult SYSTEM \"http://127.0.0.1:1/x.dtd\"><ListBucketResult/>"),
               std::runtime_error);
}

TEST(S3XmlTest, OversizedInputIsRefused) {
  std::string big = "<Error><Code>Big</Code><Message>";
  big.append(9U << 20, 'x');
  big += "</Message></Error>";
  EXPECT_EQ(ParseS3Error(big).first, "");
}

TEST(S3XmlTest, ListingPage) {
  const auto [keys, token] = ParseS3Listing(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
      "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>b</Name><Prefix>p/</Prefix>"
      "<KeyCount>2</KeyCount><MaxKeys>2</MaxKeys><IsTruncated>true</IsTruncated>"
      "<Contents><Key>p/a</Key><Size>1</Size></Contents><Contents><Key>p/b &amp; c</Key><Size>2</Size></Contents>"
      "<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>"
      "</ListBucketResult>");
  EXPECT_EQ(keys, (std::vector<std::string>{"p/a", "p/b & c"}));
  EXPECT_EQ(token, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
}

TEST(S3XmlTest, LastAndEmptyListingPages) {
  auto [keys, token] = ParseS3Listing(
      "<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>x</Key></Contents>"
      "<NextContinuationToken>ignored</NextContinuationToken></ListBucketResult>");
  EXPECT_EQ(keys, std::vector<std::string>{"x"});
  EXPECT_EQ(token, "");
  std::tie(keys, token) = ParseS3Listing("<ListBucketResult><KeyCount>0</KeyCount></ListBucketResult>");
  EXPECT_TRUE(keys.empty());
  EXPECT_EQ(token, "");
}

TEST(S3XmlTest, NotAListing) {
  EXPECT_THROW(ParseS3Listing(""), std::runtime_error);
  EXPECT_THROW(ParseS3Listing("<Error><Code>AccessDenied</Code></Error>"), std::runtime_error);
  EXPECT_THROW(ParseS3Listing("<ListBucketResult><Contents><Size>1</Size></Contents></ListBucketResult>"),
               std::runtime_error);
  // Truncated without a token would list the first page forever.
  EXPECT_THROW(ParseS3Listing("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>"),
               std::runtime_error);
}

}  // namespace
}  // namespace va::archive
