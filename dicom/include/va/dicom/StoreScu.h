// A C-STORE SCU that proposes exactly the transfer syntaxes asked for, each in its own presentation context, so that
// the sender knows which syntax a receiver takes for each SOP class (Orthanc 1.10.1's own C-STORE SCU and C-GET SCP
// only ever offer the stored syntax and the uncompressed ones, which a video-only H.264 receiver refuses).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "va/dicom/DicomError.h"

namespace va::dicom {

struct StoreScp {
  std::string host;
  int port = 104;
  std::string calledAeTitle;
  std::string callingAeTitle = "VIDEOARCHIVE";
  int timeoutSec = 60;  // connection, association and each DIMSE message
};

// (SOP Class UID, transfer syntaxes in order of preference)
using StorageProposal = std::pair<std::string, std::vector<std::string>>;

class StoreAssociation {
 public:
  // Opens the association. Throws DicomError naming the peer when it cannot be reached, rejects us, or accepts none
  // of the proposals.
  StoreAssociation(const StoreScp& scp, const std::vector<StorageProposal>& proposals);
  ~StoreAssociation();  // releases the association
  StoreAssociation(const StoreAssociation&) = delete;
  StoreAssociation& operator=(const StoreAssociation&) = delete;

  // The syntaxes the receiver accepted for this SOP class, in the order they were proposed.
  std::vector<std::string> AcceptedSyntaxes(const std::string& sopClassUid) const;

  // Sends the DICOM file at path, which must be encoded in transferSyntax (accepted for sopClassUid). Throws
  // DicomError with the DIMSE status and the receiver's error comment when the store fails.
  void Send(const std::string& path, const std::string& sopClassUid, const std::string& transferSyntax);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace va::dicom
