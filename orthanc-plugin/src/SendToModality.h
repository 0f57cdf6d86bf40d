// POST /video-archive/modalities/{name}/store: C-STORE to a modality of Orthanc's configuration that proposes, for
// each video instance, the stored syntax and the H.264 ones; a receiver that takes only H.264 gets the H.264 version
// (our rendition wrapped as the same instance). Orthanc 1.10.1's own C-STORE SCU and C-GET SCP offer only the stored
// and the uncompressed syntaxes, so they cannot serve such a receiver.
#pragma once

namespace va::plugin {

void RegisterSendToModalityRoute();

}  // namespace va::plugin
