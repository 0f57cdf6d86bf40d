// A stored video instance as delivery sees it: where its bitstream lies (the fragments of its DICOM file, read in
// place), what codec and container it is, and a validator for HTTP caches. Located once and remembered, so that a
// seek (a new Range request) costs a lookup, not a parse.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "PluginState.h"
#include "va/codec/ByteSource.h"

namespace va::plugin {

struct StoredVideo {
  std::string instanceId;
  std::string sopInstanceUid, studyInstanceUid, seriesInstanceUid, sopClassUid;
  std::string transferSyntaxUid;
  std::string codec;      // "h264", "hevc", "mpeg2video" (from the transfer syntax)
  std::string container;  // "mp4", "mpegts", "mpeg" (sniffed from the first bytes)
  int rows = 0, columns = 0;
  long numberOfFrames = 0;
  double frameTimeMs = 0;
  std::string dicomPath;       // the DICOM file the bytes are read from; "" when read from the archive's storage
  std::string attachmentUuid;  // the attachment in the archive's storage ("" when read from a file)
  std::shared_ptr<codec::ByteSource> bytes;  // the encapsulated bitstream (fragments joined)
  std::string etag;                          // strong, quoted
};

// Throws HttpError 404 when the instance is unknown, 415 when it holds no encapsulated video (the reason says what
// it holds instead).
std::shared_ptr<const StoredVideo> OpenStoredVideo(const PluginState& state, const std::string& instanceId);

// A DICOM file of the instance for the code that needs one (DCMTK readers, C-STORE): the file the bytes are read
// from, or a scratch copy streamed out of the archive's storage (made once, in <WorkDirectory>/delivery).
std::string DicomFileOf(const PluginState& state, const StoredVideo& video);

// The same from a DICOM file in memory (decode-image and transcoder callbacks get the instance as a buffer); the
// buffer must outlive the result. Throws std::runtime_error when it is not a video instance.
StoredVideo VideoInBuffer(const void* dicom, size_t size);

// True when the transfer syntax is one of the MPEG-2 / H.264 / HEVC video syntaxes.
bool IsVideoTransferSyntax(const std::string& uid);

// Orthanc's instance ID of a SOP Instance UID ("" when not stored), through /tools/lookup.
std::string LookupInstanceId(const std::string& sopInstanceUid);

}  // namespace va::plugin
