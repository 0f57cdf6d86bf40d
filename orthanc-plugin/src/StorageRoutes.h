// REST routes of the archive's storage: object and study state, tier statistics, policy dry run, background
// passes on request, legal holds, key rotation, disposition runs. Listed in README.md ("REST routes").
#pragma once

namespace va::plugin {

void RegisterStorageRoutes();
// GET /video-archive/storage/capacity: the capacity planner (registered whether or not the storage is enabled).
void RegisterCapacityRoute();

}  // namespace va::plugin
