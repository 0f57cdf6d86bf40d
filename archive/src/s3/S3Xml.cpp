// The S3 answers we parse, on libxml2 with network access and entity substitution disabled, documents with a DTD
// refused and the input size capped.
#include "S3Xml.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <cstdio>
#include <ctime>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <utility>
#include <vector>

#include "va/archive/S3Client.h"

namespace va::archive {
namespace {

struct XmlDocFree {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};
using XmlDoc = std::unique_ptr<xmlDoc, XmlDocFree>;

// Parses a document; nothing when it is too large, malformed or carries a document type declaration (S3 answers
// never do; refusing them keeps entity definitions out entirely).
XmlDoc Parse(const std::string& xml) {
  static std::once_flag once;
  std::call_once(once, [] { xmlInitParser(); });
  if (xml.empty() || xml.size() > s3::kMaxXmlBytes) return nullptr;
  XmlDoc doc(xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "s3.xml", nullptr,
                           XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA));
  if (!doc || doc->intSubset != nullptr || doc->extSubset != nullptr) return nullptr;
  return doc;
}

bool Named(const xmlNode* node, const char* name) {
  return node != nullptr && node->type == XML_ELEMENT_NODE &&
         xmlStrEqual(node->name, reinterpret_cast<const xmlChar*>(name)) != 0;
}

const xmlNode* Root(const xmlDoc* doc, const char* name) {
  const xmlNode* root = xmlDocGetRootElement(doc);
  return Named(root, name) ? root : nullptr;
}

const xmlNode* Child(const xmlNode* parent, const char* name) {
  for (const xmlNode* c = parent->children; c != nullptr; c = c->next)
    if (Named(c, name)) return c;
  return nullptr;
}

// The text directly inside an element (text and CDATA children only: no entity references are followed).
std::string Text(const xmlNode* node) {
  std::string text;
  if (node == nullptr) return text;
  for (const xmlNode* c = node->children; c != nullptr; c = c->next)
    if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content != nullptr)
      text += reinterpret_cast<const char*>(c->content);
  return text;
}

}  // namespace

std::pair<std::string, std::string> ParseS3Error(const std::string& xml) {
  const XmlDoc doc = Parse(xml);
  if (!doc) return {};
  const xmlNode* root = Root(doc.get(), "Error");
  if (root == nullptr) return {};
  std::string code = Text(Child(root, "Code"));
  if (code.empty()) return {};
  return {std::move(code), Text(Child(root, "Message"))};
}

std::pair<std::vector<std::string>, std::string> ParseS3Listing(const std::string& xml) {
  const XmlDoc doc = Parse(xml);
  if (!doc) throw std::runtime_error("S3 listing: the answer is not an XML document we accept");
  const xmlNode* root = Root(doc.get(), "ListBucketResult");
  if (root == nullptr) throw std::runtime_error("S3 listing: the answer is not a ListBucketResult");
  std::vector<std::string> keys;
  for (const xmlNode* c = root->children; c != nullptr; c = c->next) {
    if (!Named(c, "Contents")) continue;
    const xmlNode* key = Child(c, "Key");
    if (key == nullptr) throw std::runtime_error("S3 listing: an entry without a Key");
    keys.push_back(Text(key));
  }
  std::string token;
  if (Text(Child(root, "IsTruncated")) == "true") {
    token = Text(Child(root, "NextContinuationToken"));
    if (token.empty()) throw std::runtime_error("S3 listing: truncated without a NextContinuationToken");
  }
  return {std::move(keys), std::move(token)};
}

namespace s3 {

std::string ParseUploadId(const std::string& xml) {
  const XmlDoc doc = Parse(xml);
  if (!doc) return {};
  const xmlNode* root = Root(doc.get(), "InitiateMultipartUploadResult");
  return root == nullptr ? std::string() : Text(Child(root, "UploadId"));
}

std::string FormatIso8601(int64_t unixSeconds) {
  const auto t = static_cast<time_t>(unixSeconds);
  struct tm tm {};
  if (gmtime_r(&t, &tm) == nullptr) throw std::invalid_argument("S3: date out of range");
  char text[32];
  strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

int64_t ParseIso8601(const std::string& text) {
  struct tm tm {};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &consumed) != 6 ||
      consumed < 19)
    return 0;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<int64_t>(timegm(&tm));
}

std::string XmlEscape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace s3
}  // namespace va::archive
