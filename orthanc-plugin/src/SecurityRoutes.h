// REST routes of the security layer: who am I, API tokens, study organisations and sharing, legal grants
// (/video-archive/security/...), and the audit trail (/video-archive/audit/..., AuditRoutes.cpp). Who may call
// which is the access matrix's business (the filter), not theirs.
#pragma once

namespace va::plugin {

void RegisterSecurityRoutes();  // also registers the audit routes
void RegisterAuditRoutes();

}  // namespace va::plugin
