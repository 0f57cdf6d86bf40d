#include "PluginState.h"

#include <mutex>

#include "Dispatcher.h"
#include "ProvenanceService.h"
#include "Renditions.h"
#include "SecurityService.h"
#include "StorageScheduler.h"

namespace va::plugin {

namespace {
std::mutex g_mutex;
std::shared_ptr<PluginState> g_state;
}  // namespace

// The scheduler (declared last) stops before the store it works on is closed.
PluginState::~PluginState() = default;

std::shared_ptr<PluginState> State() {
  std::lock_guard<std::mutex> lock(g_mutex);
  return g_state;
}

void SetState(std::shared_ptr<PluginState> state) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_state = std::move(state);
}

}  // namespace va::plugin
