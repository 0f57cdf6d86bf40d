// The tus 1.0 resumable upload API under /video-archive/uploads (README.md, "Recorder uploads").
#pragma once

namespace va::plugin {

void RegisterTusRoutes();

}  // namespace va::plugin
