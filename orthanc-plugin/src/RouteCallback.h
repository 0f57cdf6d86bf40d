// The shape every plain (non-chunked) REST route of ours takes: the plugin must be initialised, the handler gets the
// plugin state, and whatever it throws is answered by RunHandler with a status and a reason.
#pragma once

#include <orthanc/OrthancCPlugin.h>

#include <memory>
#include <string>

#include "HttpHelpers.h"
#include "PluginState.h"

namespace va::plugin {

using StateHandler = void (*)(PluginState&, OrthancPluginRestOutput*, const OrthancPluginHttpRequest*);

template <StateHandler handler>
OrthancPluginErrorCode RouteCallback(OrthancPluginRestOutput* output, const char* /*url*/,
                                     const OrthancPluginHttpRequest* request) {
  return RunHandler(
      [](OrthancPluginRestOutput* out, const OrthancPluginHttpRequest* req) {
        std::shared_ptr<PluginState> state = State();
        if (!state) throw HttpError{503, "the video archive is not initialised"};
        handler(*state, out, req);
      },
      output, request);
}

inline void RequireMethod(const OrthancPluginHttpRequest* request, OrthancPluginHttpMethod method, const char* name) {
  if (request->method != method) throw HttpError{405, std::string("only ") + name + " is allowed on this route"};
}

}  // namespace va::plugin
