#include "LargeStack.h"

#include <pthread.h>

#include <cstring>
#include <stdexcept>
#include <string>

namespace va::plugin::detail {

namespace {
void* Trampoline(void* arg) {
  (*static_cast<const std::function<void()>*>(arg))();  // the task catches its own exceptions
  return nullptr;
}
}  // namespace

void RunOnLargeStack(const std::function<void()>& task) {
  constexpr size_t kStackBytes = 16u << 20;
  pthread_attr_t attr;
  if (pthread_attr_init(&attr) != 0) throw std::runtime_error("cannot initialise thread attributes");
  pthread_attr_setstacksize(&attr, kStackBytes);
  pthread_t thread;
  const int err = pthread_create(&thread, &attr, Trampoline, const_cast<std::function<void()>*>(&task));
  pthread_attr_destroy(&attr);
  if (err != 0) throw std::runtime_error(std::string("cannot start a worker thread: ") + std::strerror(err));
  pthread_join(thread, nullptr);
}

}  // namespace va::plugin::detail
