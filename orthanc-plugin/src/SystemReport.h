// GET /video-archive/system: version, effective configuration, codec capabilities found at run time.
#pragma once

#include <json/json.h>

#include "PluginState.h"

namespace va::plugin {

Json::Value BuildSystemReport(const PluginState& state, const Json::Value& orthancConfiguration);

// Orthanc's "AcceptedTransferSyntaxes" patterns ('*' and '?' wildcards) and the transfer syntax UID.
bool MatchesAcceptedPattern(const std::string& pattern, const std::string& uid);

}  // namespace va::plugin
