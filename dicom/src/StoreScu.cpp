// StoreAssociation: C-STORE with DCMTK's DcmSCU, one presentation context per (SOP class, transfer syntax).
#include "va/dicom/StoreScu.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmnet/diutil.h>
#include <dcmtk/dcmnet/scu.h>

#include <cstdio>

#include "DcmtkSupport.h"
#include "ScuSupport.h"

namespace va::dicom {

struct StoreAssociation::Impl {
  DcmSCU scu;
  std::string peer;
  std::vector<StorageProposal> proposals;
};

StoreAssociation::StoreAssociation(const StoreScp& scp, const std::vector<StorageProposal>& proposals)
    : impl_(std::make_unique<Impl>()) {
  detail::EnsureDictionary();
  impl_->proposals = proposals;
  DcmSCU& scu = impl_->scu;
  impl_->peer = detail::ConfigureScu(scu, "storage SCP", scp.host, scp.port, scp.calledAeTitle, scp.callingAeTitle,
                                     scp.timeoutSec);
  size_t contexts = 0;
  for (const StorageProposal& p : proposals) {
    for (const std::string& ts : p.second) {
      // One syntax per context: the receiver's answer then says exactly which syntaxes it takes.
      OFList<OFString> one;
      one.push_back(ts.c_str());
      if (++contexts > 128) throw DicomError("more than 128 presentation contexts proposed to the " + impl_->peer);
      detail::Check(scu.addPresentationContext(p.first.c_str(), one), "cannot propose " + p.first + " / " + ts);
    }
  }
  OFCondition cond = scu.initNetwork();
  if (cond.bad()) throw DicomError("cannot set up the network for the " + impl_->peer + ": " + cond.text());
  cond = scu.negotiateAssociation();
  if (cond == DUL_ASSOCIATIONREJECTED)
    throw DicomError("the " + impl_->peer + " rejected the association (" + cond.text() +
                     "); check its AE title and that it accepts ours ('" + scp.callingAeTitle + "')");
  if (cond.bad()) {
    // DcmSCU reports "no acceptable presentation contexts" as a failed negotiation too.
    throw DicomError("cannot open an association with the " + impl_->peer + ": " + cond.text());
  }
}

StoreAssociation::~StoreAssociation() {
  if (impl_ && impl_->scu.isConnected()) impl_->scu.releaseAssociation();
}

std::vector<std::string> StoreAssociation::AcceptedSyntaxes(const std::string& sopClassUid) const {
  std::vector<std::string> accepted;
  for (const StorageProposal& p : impl_->proposals) {
    if (p.first != sopClassUid) continue;
    for (const std::string& ts : p.second) {
      if (impl_->scu.findPresentationContextID(sopClassUid.c_str(), ts.c_str()) != 0) accepted.push_back(ts);
    }
  }
  return accepted;
}

void StoreAssociation::Send(const std::string& path, const std::string& sopClassUid,
                            const std::string& transferSyntax) {
  const T_ASC_PresentationContextID context =
      impl_->scu.findPresentationContextID(sopClassUid.c_str(), transferSyntax.c_str());
  if (context == 0) throw DicomError("the " + impl_->peer + " did not accept " + sopClassUid + " in " + transferSyntax);
  Uint16 status = 0;
  const OFCondition cond = impl_->scu.sendSTORERequest(context, OFFilename(path.c_str()), nullptr, status);
  if (cond.bad()) throw DicomError("the C-STORE to the " + impl_->peer + " failed: " + cond.text());
  // Success, or one of the warnings PS3.4 B.2.3 lists (coercion, elements discarded, SOP class mismatch).
  if (status != 0x0000 && (status & 0xF000) != 0xB000) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "%04X", static_cast<unsigned>(status));
    throw DicomError("the " + impl_->peer + " refused the instance with DIMSE status 0x" + std::string(hex) + " (" +
                     DU_cstoreStatusString(status) + ")");
  }
}

}  // namespace va::dicom
