// What every association we open shares (worklist C-FIND, C-STORE): checked AE titles and address, timeouts.
#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmnet/scu.h>

#include <string>

namespace va::dicom::detail {

// Checks the AE titles (1 to 16 characters) and the address, and sets them and the timeouts (connection, ACSE and
// each DIMSE message; non-blocking DIMSE so that the timeout applies) on scu. Returns "<kind> '<AE>' at host:port"
// for messages. Throws DicomError naming what is wrong.
std::string ConfigureScu(DcmSCU& scu, const std::string& kind, const std::string& host, int port,
                         const std::string& calledAeTitle, const std::string& callingAeTitle, int timeoutSec);

}  // namespace va::dicom::detail
