// What the plugin owns while loaded: its configuration, the catalog, the upload store and the job dispatcher.
#pragma once

#include <memory>

#include "Configuration.h"
#include "va/archive/Catalog.h"
#include "va/archive/ObjectStore.h"
#include "va/archive/UploadStore.h"

namespace va::plugin {

class Dispatcher;
class ProvenanceService;
class RenditionRegistry;
class SecurityService;
class StorageScheduler;

struct PluginState {
  Configuration config;
  std::unique_ptr<archive::Catalog> catalog;
  std::unique_ptr<archive::UploadStore> uploads;  // recorder uploads staged on disk
  std::unique_ptr<Dispatcher> dispatcher;
  std::unique_ptr<RenditionRegistry> renditions;       // H.264 renditions for browsers and legacy receivers
  std::unique_ptr<archive::ObjectStore> store;         // every attachment's bytes: tiers, encryption, catalog
  std::unique_ptr<StorageScheduler> storageScheduler;  // migration and scrubbing passes
  std::unique_ptr<SecurityService> security;           // users, tokens, access catalog, audit trail (when enabled)
  std::unique_ptr<ProvenanceService> provenance;       // SEI signing key, watermark secret
  ~PluginState();
};

// Shared with jobs so that a job finalised late never sees a destroyed catalog.
std::shared_ptr<PluginState> State();
void SetState(std::shared_ptr<PluginState> state);

}  // namespace va::plugin
