#include "StoredInstance.h"

#include "Dispatcher.h"
#include "OrthancApi.h"
#include "PluginState.h"
#include "StudyOrganisation.h"
#include "va/dicom/TransferSyntaxTable.h"
#include "va/dicom/VideoInstance.h"

namespace va::plugin {

OrthancPluginErrorCode OnStoredInstance(const OrthancPluginDicomInstance* instance, const char* instanceId) {
  try {
    std::shared_ptr<PluginState> state = State();
    if (!state) return OrthancPluginErrorCode_Success;
    const void* data = OrthancPluginGetInstanceData(Context(), instance);
    const int64_t size = OrthancPluginGetInstanceSize(Context(), instance);
    const dicom::InstanceHeader header = dicom::PeekHeader(data, static_cast<size_t>(size));
    RecordStoredStudy(*state, instance, header);  // every instance: who may see its study
    if (!state->config.enable || !state->config.autoArchive) return OrthancPluginErrorCode_Success;
    // Video SOP classes (even with a wrong transfer syntax: the job then says what is wrong) and anything
    // carrying a video transfer syntax.
    if (!dicom::IsVideoSopClass(header.sopClassUid) &&
        dicom::FindVideoTransferSyntax(header.transferSyntaxUid) == nullptr) {
      return OrthancPluginErrorCode_Success;
    }
    if (state->catalog->IsDerived(header.sopInstanceUid)) return OrthancPluginErrorCode_Success;  // our copy
    if (state->catalog->Enqueue(instanceId, header.sopInstanceUid)) state->dispatcher->Wake();
  } catch (const std::exception& e) {
    // Never refuse or lose an instance because of the archive: it stays stored, and can be queued by REST.
    LogError(std::string("cannot record archive work for instance ") + instanceId + ": " + e.what());
  }
  return OrthancPluginErrorCode_Success;
}

}  // namespace va::plugin
