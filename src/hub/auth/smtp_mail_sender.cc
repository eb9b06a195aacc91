#include "hub/auth/smtp_mail_sender.h"

#include <ctime>
#include <memory>
#include <string>

#include "fmt/format.h"
#include <curl/curl.h>

#include "hub/common/random.h"

namespace hub::auth {
namespace {

struct Upload {
  std::string data;
  size_t offset = 0;
};

size_t ReadPayload(char* buffer, size_t size, size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  size_t room = size * count;
  size_t n = std::min(room, upload->data.size() - upload->offset);
  upload->data.copy(buffer, n, upload->offset);
  upload->offset += n;
  return n;
}

bool HasLineBreak(std::string_view text) {
  return text.find_first_of("\r\n") != std::string_view::npos;
}

std::string RfcDate() {
  std::time_t now = std::time(nullptr);
  std::tm parts{};
  gmtime_r(&now, &parts);
  char text[64];
  std::strftime(text, sizeof(text), "%a, %d %b %Y %H:%M:%S +0000", &parts);
  return text;
}

// The message with CRLF line ends, as SMTP wants it (libcurl dot-stuffs the body).
std::string Payload(const MailMessage& message, const std::string& from) {
  std::string body;
  for (char c : message.body) {
    if (c == '\n') {
      body += "\r\n";
    } else if (c != '\r') {
      body.push_back(c);
    }
  }
  return fmt::format(
      "Date: {}\r\nTo: <{}>\r\nFrom: <{}>\r\nSubject: {}\r\nMessage-ID: <{}@ersilia-hub>\r\n"
      "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
      "Content-Transfer-Encoding: 8bit\r\n\r\n{}\r\n",
      RfcDate(), message.to, from, message.subject, common::NewUuid(), body);
}

}  // namespace

SmtpMailSender::SmtpMailSender(SmtpOptions options) : options_(std::move(options)) {}

absl::Status SmtpMailSender::Send(const MailMessage& message) {
  if (HasLineBreak(message.to) || HasLineBreak(message.subject) || message.to.empty()) {
    return absl::InvalidArgumentError("mail recipient and subject must be single lines");
  }
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) {
    return absl::UnavailableError("cannot initialise libcurl");
  }
  Upload upload{Payload(message, options_.from)};
  std::string from = fmt::format("<{}>", options_.from);
  std::string to = fmt::format("<{}>", message.to);
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> recipients(
      curl_slist_append(nullptr, to.c_str()), curl_slist_free_all);

  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, options_.url.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, recipients.get());
  curl_easy_setopt(c, CURLOPT_READFUNCTION, ReadPayload);
  curl_easy_setopt(c, CURLOPT_READDATA, &upload);
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_TRY));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  if (!options_.username.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, options_.username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, options_.password.c_str());
  }

  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    return absl::UnavailableError(fmt::format("SMTP delivery failed: {}", curl_easy_strerror(rc)));
  }
  return absl::OkStatus();
}

}  // namespace hub::auth
