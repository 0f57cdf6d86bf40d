// Prometheus metrics of the archive's storage, published through Orthanc's /tools/metrics-prometheus: per tier
// objects, bytes, pending and corrupt copies; migration and fixity totals. Orthanc 1.10 metrics carry no labels,
// so the tier name is part of the metric name (video_archive_tier_<name>_bytes).
#pragma once

#include <orthanc/OrthancCPlugin.h>

namespace va::plugin {

void RegisterStorageMetrics(OrthancPluginContext* context);

}  // namespace va::plugin
