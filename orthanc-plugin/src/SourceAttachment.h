// Where to read a stored instance's DICOM file from, without holding it in memory when avoidable.
#pragma once

#include <filesystem>
#include <string>

#include "Configuration.h"

namespace va::plugin {

// Orthanc's default storage area keeps each attachment uncompressed at StorageDirectory/xx/yy/uuid: read it there
// when it is plainly present (streamed by DCMTK, nothing copied). Otherwise (compression, another storage plugin)
// fetch /instances/{id}/file once into scratchCopy. Returns the path to read.
std::string LocateSourceFile(const Configuration& config, const std::string& instanceId,
                             const std::filesystem::path& scratchCopy);

}  // namespace va::plugin
