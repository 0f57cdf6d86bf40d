#include "ScuSupport.h"

#include "va/dicom/DicomError.h"

namespace va::dicom::detail {

namespace {
void CheckAeTitle(const std::string& ae, const char* which) {
  if (ae.empty() || ae.size() > 16)
    throw DicomError(std::string(which) + " AE title '" + ae + "' is invalid: it must have 1 to 16 characters");
}
}  // namespace

std::string ConfigureScu(DcmSCU& scu, const std::string& kind, const std::string& host, int port,
                         const std::string& calledAeTitle, const std::string& callingAeTitle, int timeoutSec) {
  CheckAeTitle(calledAeTitle, "called");
  CheckAeTitle(callingAeTitle, "calling");
  std::string peer = kind + " '" + calledAeTitle + "' at " + host + ":" + std::to_string(port);
  if (host.empty() || port <= 0 || port > 65535)
    throw DicomError("invalid address for the " + peer + ": give a host and a port from 1 to 65535");
  scu.setPeerHostName(host.c_str());
  scu.setPeerPort(static_cast<Uint16>(port));
  scu.setPeerAETitle(calledAeTitle.c_str());
  scu.setAETitle(callingAeTitle.c_str());
  const int timeout = timeoutSec > 0 ? timeoutSec : 1;
  scu.setConnectionTimeout(timeout);
  scu.setACSETimeout(static_cast<Uint32>(timeout));
  scu.setDIMSETimeout(static_cast<Uint32>(timeout));
  scu.setDIMSEBlockingMode(DIMSE_NONBLOCKING);  // so the DIMSE timeout applies
  return peer;
}

}  // namespace va::dicom::detail
