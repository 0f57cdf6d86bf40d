#include "Dispatcher.h"

#include <chrono>
#include <ctime>

#include "ArchiveJob.h"
#include "IngestJob.h"
#include "OrthancApi.h"
#include "PluginState.h"

namespace va::plugin {

Dispatcher::Dispatcher(std::weak_ptr<PluginState> state) : state_(std::move(state)) {}

Dispatcher::~Dispatcher() {
  Stop();
}

void Dispatcher::Start() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  woken_ = true;
  thread_ = std::thread([this] { Run(); });
}

void Dispatcher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Dispatcher::Wake() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    woken_ = true;
  }
  wake_.notify_all();
}

void Dispatcher::Forget(const std::string& sourceId) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    submitted_.erase(sourceId);
    woken_ = true;  // an interrupted task may be pending again
  }
  wake_.notify_all();
}

void Dispatcher::Run() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      // Polls now and then too, so that work recorded by another path is never forgotten.
      wake_.wait_for(lock, std::chrono::seconds(10), [this] { return stopping_ || woken_; });
      if (stopping_) return;
      woken_ = false;
    }
    std::shared_ptr<PluginState> state = state_.lock();
    if (!state) return;
    try {
      for (const auto& task : state->catalog->Pending()) {
        {
          std::lock_guard<std::mutex> lock(mutex_);
          if (stopping_) return;
          if (!submitted_.insert(task.sourceId).second) continue;
        }
        try {
          const std::string jobId = SubmitArchiveJob(state, task.sourceId);
          state->catalog->SetJobId(task.sourceId, jobId);
          LogInfo("instance " + task.sourceId + " queued for archiving as job " + jobId);
        } catch (const std::exception& e) {
          std::lock_guard<std::mutex> lock(mutex_);
          submitted_.erase(task.sourceId);
          LogError("cannot submit the archive job of " + task.sourceId + ": " + e.what());
        }
      }
      if (state->uploads) SubmitUploads(state);
    } catch (const std::exception& e) {
      LogError(std::string("dispatcher: ") + e.what());
    }
  }
}

void Dispatcher::SubmitUploads(const std::shared_ptr<PluginState>& state) {
  for (const auto& id : state->uploads->ExpireDue(static_cast<int64_t>(std::time(nullptr)))) {
    LogWarning("upload " + id + " expired unfinished; its bytes were deleted");
  }
  for (const auto& upload : state->uploads->PendingIngest()) {
    const std::string key = IngestKey(upload.id);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) return;
      if (!submitted_.insert(key).second) continue;
    }
    try {
      const std::string jobId = SubmitIngestJob(state, upload.id);
      LogInfo("upload " + upload.id + " queued for ingest as job " + jobId);
    } catch (const std::exception& e) {
      std::lock_guard<std::mutex> lock(mutex_);
      submitted_.erase(key);
      LogError("cannot submit the ingest job of upload " + upload.id + ": " + e.what());
    }
  }
}

}  // namespace va::plugin
