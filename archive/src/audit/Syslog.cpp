// Syslog over UDP (RFC 5426): one datagram per message, best effort by design of the transport.
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

#include "va/archive/AuditTrail.h"

namespace va::archive {
namespace {

struct AddrInfoFree {
  void operator()(addrinfo* info) const noexcept { freeaddrinfo(info); }
};

}  // namespace

SyslogSender::SyslogSender(const std::string& host, int port) {
  const std::string where = "syslog " + host + ":" + std::to_string(port);
  if (port < 1 || port > 65535) throw AuditError(where + ": the port must be 1 to 65535");
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
  const std::unique_ptr<addrinfo, AddrInfoFree> list(found);
  if (rc != 0 || found == nullptr) throw AuditError(where + ": cannot resolve the host (" + gai_strerror(rc) + ")");
  std::string lastError = "no address";
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      lastError = std::strerror(errno);
      continue;
    }
    socket_ = fd;
    const auto* bytes = reinterpret_cast<const unsigned char*>(a->ai_addr);
    address_.assign(bytes, bytes + a->ai_addrlen);
    return;
  }
  throw AuditError(where + ": cannot open a UDP socket (" + lastError + ")");
}

SyslogSender::~SyslogSender() {
  if (socket_ >= 0) ::close(socket_);
}

bool SyslogSender::Send(const std::string& message) {
  if (socket_ < 0 || address_.empty()) return false;
  const ssize_t sent =
      ::sendto(socket_, message.data(), message.size(), MSG_NOSIGNAL,
               reinterpret_cast<const sockaddr*>(address_.data()), static_cast<socklen_t>(address_.size()));
  return sent == static_cast<ssize_t>(message.size());
}

}  // namespace va::archive
