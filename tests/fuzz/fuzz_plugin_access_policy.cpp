// The request filter sees method, URI, GET arguments and the Authorization header straight from HTTP clients.
// Input: lines "method\nuri\nkey=value&key=value\nauthorization header".
#include <cstddef>
#include <cstdint>
#include <string>

#include "AccessPolicy.h"

namespace {

std::string NextLine(const std::string& input, size_t& pos) {
  if (pos > input.size()) return "";
  size_t end = input.find('\n', pos);
  if (end == std::string::npos) end = input.size();
  std::string line = input.substr(pos, end - pos);
  pos = end + 1;
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace va::plugin;
  const std::string input(reinterpret_cast<const char*>(data), size);
  size_t pos = 0;
  const std::string method = NextLine(input, pos);
  const std::string uri = NextLine(input, pos);
  const std::string query = NextLine(input, pos);
  const std::string header = pos <= input.size() ? input.substr(pos) : "";

  QueryArguments arguments;
  for (size_t start = 0; start <= query.size() && !query.empty();) {
    size_t end = query.find('&', start);
    if (end == std::string::npos) end = query.size();
    const std::string pair = query.substr(start, end - start);
    const size_t equals = pair.find('=');
    arguments.emplace_back(pair.substr(0, equals), equals == std::string::npos ? "" : pair.substr(equals + 1));
    start = end + 1;
  }

  const RouteClass route = ClassifyRoute(method, uri, arguments);
  if (route.family == RouteFamily::Invalid && route.reason.empty()) __builtin_trap();
  if (route.family != RouteFamily::Invalid && (uri.find("..") != std::string::npos || uri.size() > 2048))
    __builtin_trap();
  (void)FamilyName(route.family);

  StudyFacts facts;
  facts.known = true;
  facts.organisation = "org-a";
  facts.sharedWith = {"org-b"};
  for (const Role role : {Role::Admin, Role::Clinician, Role::Researcher, Role::Legal, Role::Recorder, Role::Auditor}) {
    for (const char* organisation : {"", "org-a"}) {
      const Principal who{"fuzz", role, organisation};
      for (const StudyFacts* study :
           {static_cast<const StudyFacts*>(nullptr), static_cast<const StudyFacts*>(&facts)}) {
        const Decision d = Decide(who, route, study);
        if (d.reason.empty()) __builtin_trap();
        if (d.allowed && route.family == RouteFamily::Invalid) __builtin_trap();
        if (d.allowed && role != Role::Admin &&
            (route.family == RouteFamily::StudyWrite || route.family == RouteFamily::Administration ||
             route.family == RouteFamily::Security || route.family == RouteFamily::Explorer))
          __builtin_trap();
      }
    }
  }

  const Credentials c = ParseAuthorization(header);
  if (c.scheme == Credentials::Scheme::Basic && c.user.empty()) __builtin_trap();
  if (c.scheme == Credentials::Scheme::Bearer && (c.token.empty() || c.token.size() > 512)) __builtin_trap();
  if (c.scheme == Credentials::Scheme::Invalid && c.reason.empty()) __builtin_trap();
  return 0;
}
