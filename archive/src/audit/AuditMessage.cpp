// DICOM audit messages (PS3.15 A.5, the schema IHE ATNA uses) and their RFC 5424 syslog framing.
#include <cstdint>
#include <string>

#include "va/archive/AuditTrail.h"

namespace va::archive {
namespace {

struct EventKind {
  const char* code;  // DCM (PS3.16 CID 400 Audit Event ID)
  const char* meaning;
  const char* actionCode;  // C create, R read, U update, D delete, E execute
};

constexpr EventKind kAccessed{"110103", "DICOM Instances Accessed", "R"};
constexpr EventKind kTransferred{"110104", "DICOM Instances Transferred", "C"};
constexpr EventKind kStudyDeleted{"110105", "DICOM Study Deleted", "D"};
constexpr EventKind kPatientRecord{"110110", "Patient Record", "U"};
constexpr EventKind kQuery{"110112", "Query", "E"};
constexpr EventKind kSecurityAlert{"110113", "Security Alert", "E"};

bool StartsWith(const std::string& text, const char* prefix) {
  return text.rfind(prefix, 0) == 0;
}

bool Contains(const std::string& text, const char* part) {
  return text.find(part) != std::string::npos;
}

const EventKind& KindOf(const AuditEvent& e) {
  const std::string& a = e.action;
  if (e.outcome == "refused") return kSecurityAlert;
  if (StartsWith(a, "token.") || StartsWith(a, "grant.") || StartsWith(a, "security.") || StartsWith(a, "user.") ||
      StartsWith(a, "share.") || StartsWith(a, "login") || StartsWith(a, "audit."))
    return kSecurityAlert;
  if (StartsWith(a, "C-STORE") || StartsWith(a, "STOW") || StartsWith(a, "POST /studies") || StartsWith(a, "upload") ||
      Contains(a, "/upload"))
    return kTransferred;
  if (StartsWith(a, "C-FIND") || StartsWith(a, "QIDO") || StartsWith(a, "query") || Contains(a, "/find")) return kQuery;
  if (StartsWith(a, "DELETE")) return e.studyUid.empty() ? kPatientRecord : kStudyDeleted;
  if (StartsWith(a, "POST") || StartsWith(a, "PUT") || StartsWith(a, "PATCH")) return kPatientRecord;
  if (StartsWith(a, "GET") || StartsWith(a, "C-MOVE") || StartsWith(a, "C-GET") || StartsWith(a, "WADO"))
    return e.studyUid.empty() ? kQuery : kAccessed;  // a GET of no particular study lists studies
  return e.studyUid.empty() ? kQuery : kAccessed;
}

// 0 success, 4 minor failure (refused: nothing happened), 8 serious failure.
const char* OutcomeOf(const std::string& outcome) {
  if (outcome == "allowed" || outcome == "success") return "0";
  if (outcome == "refused") return "4";
  return "8";
}

// Escapes for an XML attribute; control characters XML 1.0 cannot carry become '?', as do invalid UTF-8 bytes, so
// the message always parses whatever a client sent.
std::string Escape(const std::string& text) {
  std::string out;
  out.reserve(text.size() + 16);
  const size_t n = text.size();
  for (size_t i = 0; i < n;) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&apos;"; break;
        case '\t': out += "&#9;"; break;
        case '\n': out += "&#10;"; break;
        case '\r': out += "&#13;"; break;
        default: out += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
      }
      ++i;
      continue;
    }
    // A well-formed UTF-8 sequence (no overlongs, surrogates or code points past U+10FFFF) is copied as is.
    size_t length = 0;
    uint32_t cp = 0;
    if (c >= 0xc2 && c <= 0xdf) {
      length = 2;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      length = 3;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      length = 4;
      cp = c & 0x07;
    }
    bool valid = length > 0 && i + length <= n;
    for (size_t k = 1; valid && k < length; ++k) {
      const auto d = static_cast<unsigned char>(text[i + k]);
      valid = (d & 0xc0) == 0x80;
      cp = cp << 6 | (d & 0x3f);
    }
    if (valid) {
      valid = !(length == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff)) &&
              !(length == 4 && (cp < 0x10000 || cp > 0x10ffff));
    }
    if (valid) {
      out.append(text, i, length);
      i += length;
    } else {
      out += '?';
      ++i;
    }
  }
  return out;
}

void Attribute(std::string& out, const char* name, const std::string& value) {
  out += ' ';
  out += name;
  out += "=\"";
  out += Escape(value);
  out += '"';
}

// RFC 5424 header fields: printable US-ASCII without spaces, bounded length, "-" when empty.
std::string HeaderField(const std::string& text, size_t maxSize) {
  std::string out;
  for (char c : text) {
    if (out.size() == maxSize) break;
    out += (c > 32 && c < 127) ? c : '_';
  }
  return out.empty() ? "-" : out;
}

}  // namespace

std::string ToDicomAuditMessage(const AuditRecord& record, const std::string& auditSourceId) {
  const AuditEvent& e = record.event;
  const EventKind& kind = KindOf(e);
  std::string x = "<AuditMessage><EventIdentification";
  Attribute(x, "EventActionCode", kind.actionCode);
  Attribute(x, "EventDateTime", record.IsoTime());
  Attribute(x, "EventOutcomeIndicator", OutcomeOf(e.outcome));
  x += "><EventID";
  Attribute(x, "csd-code", kind.code);
  Attribute(x, "codeSystemName", "DCM");
  Attribute(x, "originalText", kind.meaning);
  x += "/>";
  // What the archive did and why, in the schema's free-text slot (the codes above are coarse).
  std::string description = e.action;
  if (!e.detail.empty()) description += ": " + e.detail;
  x += "<EventOutcomeDescription>" + Escape(description) + "</EventOutcomeDescription>";
  x += "</EventIdentification><ActiveParticipant";
  Attribute(x, "UserID", e.actor.empty() ? "anonymous" : e.actor);
  Attribute(x, "UserIsRequestor", "true");
  if (!e.sourceAddress.empty()) {
    Attribute(x, "NetworkAccessPointID", e.sourceAddress);
    Attribute(x, "NetworkAccessPointTypeCode", "2");  // 2 = IP address
  }
  if (!e.role.empty()) {
    x += "><RoleIDCode";
    Attribute(x, "csd-code", e.role);
    Attribute(x, "codeSystemName", "va-archive-role");
    Attribute(x, "originalText", e.role);
    x += "/></ActiveParticipant>";
  } else {
    x += "/>";
  }
  x += "<AuditSourceIdentification";
  Attribute(x, "AuditSourceID", auditSourceId);
  x += "/>";
  if (!e.studyUid.empty()) {
    x += "<ParticipantObjectIdentification";
    Attribute(x, "ParticipantObjectID", e.studyUid);
    Attribute(x, "ParticipantObjectTypeCode", "2");      // system object
    Attribute(x, "ParticipantObjectTypeCodeRole", "3");  // report
    x += "><ParticipantObjectIDTypeCode";
    Attribute(x, "csd-code", "110180");
    Attribute(x, "codeSystemName", "DCM");
    Attribute(x, "originalText", "Study Instance UID");
    x += "/></ParticipantObjectIdentification>";
  }
  x += "</AuditMessage>";
  return x;
}

std::string ToSyslogMessage(const AuditRecord& record, const std::string& hostName, const std::string& appName,
                            const std::string& auditSourceId) {
  constexpr int kFacilityAuthPriv = 10;
  const int severity = record.event.outcome == "allowed" || record.event.outcome == "success" ? 5 : 4;
  return "<" + std::to_string(kFacilityAuthPriv * 8 + severity) + ">1 " + record.IsoTime() + " " +
         HeaderField(hostName, 255) + " " + HeaderField(appName, 48) + " - - - " +
         ToDicomAuditMessage(record, auditSourceId);
}

}  // namespace va::archive
