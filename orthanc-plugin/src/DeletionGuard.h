// Refuses deletions of protected resources, whatever HTTP route they come through (Orthanc's REST API and any
// plugin's): a resource covered by a legal hold is never deleted; in WORM mode neither is one whose retention has
// not passed. An Orthanc HTTP filter, so the refusal comes before Orthanc forgets anything (403; the reason is
// logged and given by GET /video-archive/storage/deletable/{level}/{id}).
#pragma once

#include <orthanc/OrthancCPlugin.h>

#include <string>

#include "PluginState.h"

namespace va::plugin {

void RegisterDeletionGuard(OrthancPluginContext* context);

// Why the resource cannot be deleted now ("" = it can). level: patient, study, series, instance.
std::string DeletionBlocker(PluginState& state, const std::string& level, const std::string& orthancId);

}  // namespace va::plugin
