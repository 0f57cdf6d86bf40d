// Our REST routes under /video-archive (documented in README.md).
#pragma once

namespace va::plugin {

void RegisterRestRoutes();

}  // namespace va::plugin
