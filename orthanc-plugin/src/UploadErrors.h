// How the upload store's refusals read over HTTP.
#pragma once

#include "HttpHelpers.h"
#include "va/archive/UploadStore.h"

namespace va::plugin {

inline HttpError ToHttpError(const archive::UploadError& e) {
  using Kind = archive::UploadError::Kind;
  switch (e.kind()) {
    case Kind::NotFound: return {404, e.what()};
    case Kind::OffsetConflict:
    case Kind::NotReceiving: return {409, e.what()};
    case Kind::Busy: return {423, e.what()};
    case Kind::ChecksumMismatch:
      // tus says 460 "Checksum Mismatch", a code Orthanc's HTTP server cannot send (it drops the connection);
      // 417 stands in for it, and the nginx gateway (config/nginx-tus.conf.in) turns it back into 460.
      return {417, e.what()};
    case Kind::TooLarge: return {413, e.what()};
    case Kind::NoSpace: return {507, e.what()};
    case Kind::Io: break;
  }
  return {500, e.what()};
}

}  // namespace va::plugin
