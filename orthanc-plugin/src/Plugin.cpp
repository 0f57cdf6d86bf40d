// Entry points Orthanc calls: wiring only. Domain work lives in ArchivePipeline and the libraries.
#include <orthanc/OrthancCPlugin.h>

#include <filesystem>
#include <memory>

#include "ChunkedRoute.h"
#include "Configuration.h"
#include "DeletionGuard.h"
#include "DeliveryRoutes.h"
#include "DicomWebVideoRoutes.h"
#include "Dispatcher.h"
#include "OrthancApi.h"
#include "PluginState.h"
#include "ProvenanceRoutes.h"
#include "ProvenanceService.h"
#include "Renditions.h"
#include "RestRoutes.h"
#include "SecurityFilter.h"
#include "SecurityRoutes.h"
#include "SecurityService.h"
#include "SendToModality.h"
#include "StorageArea.h"
#include "StorageMetrics.h"
#include "StorageRoutes.h"
#include "StorageScheduler.h"
#include "StoredInstance.h"
#include "StowRoutes.h"
#include "TranscodeOnRetrieve.h"
#include "TusRoutes.h"
#include "VideoPictures.h"

namespace {

using namespace va::plugin;

OrthancPluginErrorCode OnChange(OrthancPluginChangeType change, OrthancPluginResourceType, const char* resourceId) {
  auto state = State();
  if (!state) return OrthancPluginErrorCode_Success;
  if (change == OrthancPluginChangeType_OrthancStarted) {
    // Jobs can be submitted only once the jobs engine runs; pending work from before a restart resumes now.
    if (state->config.enable) state->dispatcher->Start();
    if (state->storageScheduler) state->storageScheduler->Start();
  }
  if (change == OrthancPluginChangeType_NewPatient && state->store && state->config.storage.worm) {
    // WORM: Orthanc's recycling (MaximumStorageSize / MaximumPatientCount) must never pick a patient.
    try {
      RestPut(std::string("/patients/") + resourceId + "/protected", "1");
    } catch (const std::exception& e) {
      LogError(std::string("storage: cannot protect patient ") + resourceId + " from recycling: " + e.what());
    }
  }
  return OrthancPluginErrorCode_Success;
}

}  // namespace

extern "C" {

ORTHANC_PLUGINS_API int32_t OrthancPluginInitialize(OrthancPluginContext* context) {
  SetContext(context);
  if (OrthancPluginCheckVersion(context) == 0) {
    OrthancPluginLogError(context, "VideoArchive: this plugin needs Orthanc 1.10.1 or newer");
    return -1;
  }
  OrthancPluginSetDescription(context,
                              "Medical video archive: archival HEVC transcoding with quality gate and provenance.");
  try {
    auto state = std::make_shared<PluginState>();
    const Json::Value root = ParseJson(TakeOrthancString(OrthancPluginGetConfiguration(context)));
    state->config = ParseConfiguration(root);
    if (!state->config.enable) {
      LogWarning("disabled by VideoArchive.Enable = false");
    }
    std::filesystem::create_directories(state->config.workDirectory);
    // No job runs yet: whatever scratch files remain were left by a process that died mid-job.
    std::error_code ignored;
    std::filesystem::remove_all(std::filesystem::path(state->config.workDirectory) / "scratch", ignored);
    state->catalog = std::make_unique<va::archive::Catalog>(state->config.workDirectory + "/catalog.sqlite");
    const int rearmed = state->catalog->RecoverInterrupted(state->config.maxAttempts);
    if (rearmed > 0) LogWarning(std::to_string(rearmed) + " interrupted archive task(s) will resume");
    if (state->config.uploads.enable) {
      state->uploads = std::make_unique<va::archive::UploadStore>(state->config.workDirectory + "/uploads");
      const int resumed = state->uploads->RecoverInterrupted(state->config.maxAttempts);
      if (resumed > 0) LogWarning(std::to_string(resumed) + " interrupted upload ingest(s) will resume");
    }
    state->provenance = std::make_unique<ProvenanceService>(state->config.provenance);
    state->dispatcher = std::make_unique<Dispatcher>(state);
    state->renditions = std::make_unique<RenditionRegistry>(state->config.workDirectory + "/renditions");
    if (state->config.security.enable) {
      // Orthanc's own authentication runs before any filter and knows no bearer tokens: it must be off, the filter
      // authenticates every request instead.
      if (root.isMember("AuthenticationEnabled") && root["AuthenticationEnabled"].asBool())
        throw std::runtime_error(
            "VideoArchive.Security.Enable needs Orthanc's \"AuthenticationEnabled\": false (the plugin "
            "authenticates users and API tokens itself; Orthanc 1.10.1 would refuse every bearer token)");
      state->security = std::make_unique<SecurityService>(state->config.security);
    }
    if (state->config.storage.enable) {
      state->store = OpenObjectStore(state->config.storage);
      state->storageScheduler = std::make_unique<StorageScheduler>(
          *state->store, state->config.storage.migrationIntervalSeconds, state->config.storage.scrubIntervalSeconds);
    }
    SetState(state);
    if (state->store) {
      RegisterStorageArea(context);
      RegisterStorageRoutes();
      RegisterDeletionGuard(context);
      RegisterStorageMetrics(context);
    }

    RegisterRestRoutes();
    RegisterCapacityRoute();
    RegisterProvenanceRoutes();
    if (state->security) {
      RegisterSecurityRoutes();
      RegisterSecurityFilter(context);
    }
    if (state->config.uploads.enable) {
      RegisterChunkedRouteErrors(context, state->config.uploads.maxBufferedRequestMegabytes);
      RegisterTusRoutes();
      RegisterStowRoutes();
    }
    if (state->config.delivery.enable) {
      RegisterDeliveryRoutes();
      RegisterDicomWebVideoRoutes(!state->config.uploads.enable);
      RegisterSendToModalityRoute();
      // Real pictures of videos for /preview, /frames/N/rendered and DICOMweb /rendered of frames; H.264 for
      // receivers that accept no HEVC / MPEG-2.
      OrthancPluginRegisterDecodeImageCallback(context, DecodeVideoFrame);
      if (state->config.delivery.transcodeOnRetrieve)
        OrthancPluginRegisterTranscoderCallback(context, TranscodeVideoInstance);
    }
    OrthancPluginRegisterOnStoredInstanceCallback(context, OnStoredInstance);
    OrthancPluginRegisterOnChangeCallback(context, OnChange);
    LogWarning("ready; work directory " + state->config.workDirectory + ", HEVC " +
               (state->config.bitDepth == 10 ? "Main 10" : "Main") + ", x265 preset " + state->config.preset + " CRF " +
               std::to_string(state->config.crf));
  } catch (const std::exception& e) {
    OrthancPluginLogError(context, (std::string("VideoArchive: cannot start: ") + e.what()).c_str());
    SetState(nullptr);
    return -1;
  }
  return 0;
}

ORTHANC_PLUGINS_API void OrthancPluginFinalize() {
  if (auto state = State()) {
    if (state->storageScheduler) state->storageScheduler->Stop();
    if (state->dispatcher) state->dispatcher->Stop();
    // Orthanc has stopped its jobs engine without telling running jobs: their tasks were interrupted by a clean
    // stop, which must not count against the crash budget. They resume at the next start.
    try {
      if (state->catalog) state->catalog->PauseAllRunning();
    } catch (const std::exception& e) {
      LogError(std::string("cannot record the interrupted tasks: ") + e.what());
    }
  }
  SetState(nullptr);  // jobs still hold their own reference until Orthanc finalises them
}

ORTHANC_PLUGINS_API const char* OrthancPluginGetName() {
  return "video-archive";
}

ORTHANC_PLUGINS_API const char* OrthancPluginGetVersion() {
  return VA_PLUGIN_VERSION;
}

}  // extern "C"
