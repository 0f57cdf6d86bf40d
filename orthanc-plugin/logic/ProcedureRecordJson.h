// The procedure record as JSON: how an upload's validated record is kept in the upload store and shown to users.
#pragma once

#include <json/json.h>

#include "ProcedureRecord.h"

namespace va::plugin {

Json::Value RecordToJson(const ProcedureRecord& record);
// Reads what RecordToJson wrote (the store's own data; unknown members are ignored).
ProcedureRecord RecordFromJson(const Json::Value& json);

}  // namespace va::plugin
