#pragma once

// Outgoing mail (password reset tokens), behind an interface so the composition root picks
// the transport and tests can run a real SMTP sink.

#include <memory>
#include <string>

#include "absl/status/status.h"

namespace hub::auth {

struct MailMessage {
  std::string to;
  std::string subject;
  std::string body;  // plain text, UTF-8
};

// Implementations are thread-safe.
class MailSender {
public:
  virtual ~MailSender() = default;

  // Delivers `message` to the relay. `kUnavailable` when the relay cannot be reached or
  // refuses it; `kInvalidArgument` for an address the transport cannot use.
  virtual absl::Status Send(const MailMessage& message) = 0;
};

using MailSenderPtr = std::unique_ptr<MailSender>;

}  // namespace hub::auth
