#pragma once

// `MailSender` over SMTP with libcurl: `smtp://host:port` (STARTTLS when the server offers
// it) or `smtps://host:port` (TLS from the start), optional login, plain-text UTF-8 mails.
// Each `Send` opens its own connection (mail is rare).
//
// Thread-safety: thread-safe.

#include "hub/auth/auth_options.h"
#include "hub/auth/mail_sender.h"

namespace hub::auth {

class SmtpMailSender final : public MailSender {
public:
  explicit SmtpMailSender(SmtpOptions options);

  absl::Status Send(const MailMessage& message) override;

private:
  SmtpOptions options_;
};

}  // namespace hub::auth
