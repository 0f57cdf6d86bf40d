// Runs work on a thread with a large stack. Orthanc's HTTP server (civetweb) gives each worker thread only 100 KiB
// of stack (measured on Orthanc 1.10.1): FFmpeg decoders and encoders (HEVC, x264, MJPEG's Huffman tables) need far
// more, and overflowing it silently corrupts a neighbouring thread's stack. Every codec call made from an HTTP
// callback or a decode / transcoder callback goes through here.
#pragma once

#include <exception>
#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

namespace va::plugin {

namespace detail {
// Runs task on a new thread with a 16 MiB stack and waits for it. Throws std::runtime_error if no thread can be
// created.
void RunOnLargeStack(const std::function<void()>& task);
}  // namespace detail

// Returns what f returns; rethrows what f throws.
template <typename F>
auto OnLargeStack(F&& f) -> decltype(f()) {
  using Result = decltype(f());
  std::exception_ptr error;
  if constexpr (std::is_void_v<Result>) {
    detail::RunOnLargeStack([&] {
      try {
        f();
      } catch (...) {
        error = std::current_exception();
      }
    });
    if (error) std::rethrow_exception(error);
  } else {
    std::optional<Result> result;
    detail::RunOnLargeStack([&] {
      try {
        result.emplace(f());
      } catch (...) {
        error = std::current_exception();
      }
    });
    if (error) std::rethrow_exception(error);
    return std::move(*result);
  }
}

}  // namespace va::plugin
