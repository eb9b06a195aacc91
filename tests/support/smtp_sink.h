#pragma once

// A tiny real SMTP server for tests: listens on 127.0.0.1:0, speaks enough SMTP (EHLO, MAIL,
// RCPT, DATA, RSET, NOOP, QUIT; no TLS, no AUTH) for libcurl to deliver mail, and keeps every
// message it receives. Connections are served one at a time on its own thread.
//
// Thread-safety: thread-safe.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"

namespace hub::test_support {

class SmtpSink final {
public:
  struct Message {
    std::string from;
    std::vector<std::string> to;
    std::string data;  // headers and body as sent, dot-stuffing removed, CRLF line ends
  };

  // Binds and starts serving. `kUnavailable` when it cannot listen.
  static absl::StatusOr<std::unique_ptr<SmtpSink>> Start();

  ~SmtpSink();
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;

  int port() const { return port_; }

  // "smtp://127.0.0.1:<port>"
  std::string url() const;

  std::vector<Message> messages() const;

  // Waits until at least `count` messages have arrived; false on timeout.
  bool WaitFor(size_t count, std::chrono::milliseconds timeout) const;

private:
  SmtpSink() = default;
  void Serve();
  void Converse(int fd);

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  mutable std::condition_variable arrived_;
  std::vector<Message> messages_;
};

}  // namespace hub::test_support
