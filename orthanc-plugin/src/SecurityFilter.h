// The HTTP filter Orthanc calls before every request (its own routes, the DICOMweb plugin's and ours): authenticates,
// classifies the route, resolves the study it touches, applies the access matrix (AccessPolicy) and writes the
// audit record. Orthanc 1.10.1 answers 403 to whatever it refuses.
#pragma once

#include <orthanc/OrthancCPlugin.h>

#include <optional>
#include <string>

#include "AccessPolicy.h"

namespace va::plugin {

void RegisterSecurityFilter(OrthancPluginContext* context);

// The caller of a request a route handler serves (the filter already let it pass); empty when security is off.
std::optional<Principal> RequestPrincipal(const OrthancPluginHttpRequest* request);

// The Orthanc study ID of a series or instance ("" when unknown); cached.
std::string ParentStudyOf(ResourceKind kind, const std::string& orthancId);

}  // namespace va::plugin
