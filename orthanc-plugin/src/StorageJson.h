// The archive's storage records as the JSON our REST routes answer.
#pragma once

#include <json/json.h>

#include "va/archive/ObjectStore.h"

namespace va::plugin {

std::string IsoDate(int64_t unixSeconds);  // "2045-03-01T00:00:00Z"; "" for 0
Json::Value HoldToJson(const archive::HoldRecord& hold);
Json::Value ObjectStateToJson(const archive::ObjectState& state);
Json::Value TierStatsToJson(const archive::TierStats& stats);
Json::Value PlannedMoveToJson(const archive::PlannedMove& move);

}  // namespace va::plugin
