// Orthanc's storage area on the archive's object store: every attachment Orthanc writes is encrypted, hashed,
// written to the hot tier and catalogued; reads come from whichever tier holds a verified copy, range by range.
#pragma once

#include <orthanc/OrthancCPlugin.h>

#include <memory>
#include <string>

#include "StorageConfiguration.h"
#include "va/archive/ObjectStore.h"

namespace va::plugin {

class DerivedLookup;

// Opens tiers, key ring and catalog as configured (creating the default key file when it is absent), runs crash
// recovery. Throws std::runtime_error saying what is wrong.
std::unique_ptr<archive::ObjectStore> OpenObjectStore(const StorageSettings& settings);

// Registers the storage area callbacks and this plugin's storage error codes (503 tier unavailable, 403 refused by
// retention / hold / WORM, 507 full). Must be called from OrthancPluginInitialize.
void RegisterStorageArea(OrthancPluginContext* context);

// The object store's error as the Orthanc error code registered for it.
OrthancPluginErrorCode StorageErrorCode(const archive::StoreError& error);

// Whether an error Orthanc reported is the storage's "full" (the registered 507 code, or Orthanc's own).
bool IsStorageFull(OrthancPluginErrorCode code);

// The UUID of an instance's DICOM attachment ("" when Orthanc knows no such instance).
std::string DicomAttachmentUuid(const std::string& instanceId);

// Unix seconds now.
int64_t NowSeconds();

}  // namespace va::plugin
