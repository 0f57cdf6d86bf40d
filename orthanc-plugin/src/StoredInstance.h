#pragma once

#include <orthanc/OrthancCPlugin.h>

namespace va::plugin {

// Records that a newly stored video instance needs archiving (durable, cheap, idempotent) and wakes the dispatcher.
OrthancPluginErrorCode OnStoredInstance(const OrthancPluginDicomInstance* instance, const char* instanceId);

}  // namespace va::plugin
