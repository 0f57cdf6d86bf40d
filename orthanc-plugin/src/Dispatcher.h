// Turns pending catalog tasks and complete uploads into Orthanc jobs (and deletes expired uploads), from its own
// thread, so that the stored-instance callback only records work. Each task has at most one job in this process.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

namespace va::plugin {

struct PluginState;

class Dispatcher {
 public:
  explicit Dispatcher(std::weak_ptr<PluginState> state);
  ~Dispatcher();
  void Start();  // once Orthanc has started (its jobs engine is ready)
  void Stop();
  void Wake();                               // new work was recorded
  void Forget(const std::string& sourceId);  // its job ended

 private:
  void Run();
  void SubmitUploads(const std::shared_ptr<PluginState>& state);
  std::weak_ptr<PluginState> state_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::set<std::string> submitted_;
  bool stopping_ = false;
  bool woken_ = false;
  std::thread thread_;
};

}  // namespace va::plugin
