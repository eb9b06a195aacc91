#include "tests/support/smtp_sink.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fmt/format.h"

namespace hub::test_support {
namespace {

// Line-oriented reads over a socket.
class LineReader {
public:
  explicit LineReader(int fd) : fd_(fd) {}

  // The next line without its CRLF; false when the peer closed or went silent for 10 s.
  bool Next(std::string& line) {
    while (true) {
      size_t end = buffer_.find("\r\n");
      if (end != std::string::npos) {
        line = buffer_.substr(0, end);
        buffer_.erase(0, end + 2);
        return true;
      }
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 10'000) <= 0) {
        return false;
      }
      char chunk[4096];
      ssize_t got = recv(fd_, chunk, sizeof(chunk), 0);
      if (got <= 0) {
        return false;
      }
      buffer_.append(chunk, static_cast<size_t>(got));
    }
  }

private:
  int fd_;
  std::string buffer_;
};

void Reply(int fd, std::string_view text) {
  std::string line = std::string(text) + "\r\n";
  (void)send(fd, line.data(), line.size(), MSG_NOSIGNAL);
}

bool StartsWithCommand(const std::string& line, std::string_view command) {
  if (line.size() < command.size()) {
    return false;
  }
  for (size_t i = 0; i < command.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(line[i])) != command[i]) {
      return false;
    }
  }
  return true;
}

// The address inside "MAIL FROM:<a@b>" / "RCPT TO:<a@b>".
std::string Address(const std::string& line) {
  size_t open = line.find('<');
  size_t close = line.find('>', open);
  if (open == std::string::npos || close == std::string::npos) {
    return "";
  }
  return line.substr(open + 1, close - open - 1);
}

}  // namespace

absl::StatusOr<std::unique_ptr<SmtpSink>> SmtpSink::Start() {
  auto sink = std::unique_ptr<SmtpSink>(new SmtpSink());
  sink->listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = 0;
  inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  socklen_t size = sizeof(address);
  bool ok = sink->listen_fd_ >= 0 &&
            bind(sink->listen_fd_, reinterpret_cast<sockaddr*>(&address), size) == 0 &&
            listen(sink->listen_fd_, 16) == 0 &&
            getsockname(sink->listen_fd_, reinterpret_cast<sockaddr*>(&address), &size) == 0;
  if (!ok) {
    return absl::UnavailableError("SMTP sink cannot listen");
  }
  sink->port_ = ntohs(address.sin_port);
  sink->thread_ = std::thread([raw = sink.get()] { raw->Serve(); });
  return sink;
}

SmtpSink::~SmtpSink() {
  stopping_ = true;
  if (thread_.joinable()) {
    thread_.join();
  }
  if (listen_fd_ >= 0) {
    close(listen_fd_);
  }
}

std::string SmtpSink::url() const {
  return fmt::format("smtp://127.0.0.1:{}", port_);
}

std::vector<SmtpSink::Message> SmtpSink::messages() const {
  std::lock_guard<std::mutex> lock(mu_);
  return messages_;
}

bool SmtpSink::WaitFor(size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  return arrived_.wait_for(lock, timeout, [&] { return messages_.size() >= count; });
}

void SmtpSink::Serve() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) {
      continue;
    }
    int fd = accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) {
      continue;
    }
    Converse(fd);
    close(fd);
  }
}

void SmtpSink::Converse(int fd) {
  LineReader reader(fd);
  Reply(fd, "220 sink ESMTP test sink");
  Message message;
  std::string line;
  while (!stopping_ && reader.Next(line)) {
    if (StartsWithCommand(line, "EHLO") || StartsWithCommand(line, "HELO")) {
      Reply(fd, "250-sink\r\n250 8BITMIME");
    } else if (StartsWithCommand(line, "MAIL FROM:")) {
      message = Message{Address(line), {}, ""};
      Reply(fd, "250 OK");
    } else if (StartsWithCommand(line, "RCPT TO:")) {
      message.to.push_back(Address(line));
      Reply(fd, "250 OK");
    } else if (StartsWithCommand(line, "DATA")) {
      Reply(fd, "354 end with <CRLF>.<CRLF>");
      std::string data_line;
      while (reader.Next(data_line) && data_line != ".") {
        // Undo dot-stuffing.
        message.data += (data_line.rfind("..", 0) == 0 ? data_line.substr(1) : data_line) + "\r\n";
      }
      {
        std::lock_guard<std::mutex> lock(mu_);
        messages_.push_back(message);
      }
      arrived_.notify_all();
      Reply(fd, "250 OK queued");
    } else if (StartsWithCommand(line, "QUIT")) {
      Reply(fd, "221 bye");
      return;
    } else if (StartsWithCommand(line, "RSET") || StartsWithCommand(line, "NOOP")) {
      Reply(fd, "250 OK");
    } else {
      Reply(fd, "502 command not implemented");
    }
  }
}

}  // namespace hub::test_support
