// Transcode on retrieve: a C-GET / C-MOVE / WADO-RS client that accepts only H.264 receives a conformant H.264
// instance made from the stored HEVC or MPEG-2 one (through Orthanc's transcoder callback, or our DICOMweb root).
#pragma once

#include <orthanc/OrthancCPlugin.h>

#include <string>
#include <vector>

#include "PluginState.h"
#include "StoredVideo.h"

namespace va::plugin {

// The H.264 syntaxes a transcode on retrieve can write, best first: .104, .102, .103.
const std::vector<std::string>& H264SyntaxesWritten();

// The H.264 syntax (best first: .104, .102, .103) among `allowed` that the rendition fits; "" when none.
std::string PickH264Syntax(const std::vector<std::string>& allowed, int width, int height, double fps);

// Writes the H.264 version of the instance at dicomPath to outPath: the cached rendition when one exists (else it
// is made now and kept), wrapped with every attribute of the source (SOP Instance UID kept unless newSopInstanceUid).
// Returns the syntax written. Throws std::runtime_error with a reason when no offered syntax fits.
std::string WriteH264Instance(PluginState& state, const std::string& dicomPath, const StoredVideo& video,
                              const std::vector<std::string>& allowedSyntaxes, bool newSopInstanceUid,
                              const std::string& outPath);

// Orthanc's transcoder callback. Declines (OrthancPluginErrorCode_Plugin) what is not video or asks for no H.264.
OrthancPluginErrorCode TranscodeVideoInstance(OrthancPluginMemoryBuffer* transcoded, const void* buffer, uint64_t size,
                                              const char* const* allowedSyntaxes, uint32_t countSyntaxes,
                                              uint8_t allowNewSopInstanceUid);

}  // namespace va::plugin
