#include "hub/cli/run_command.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/status/statusor.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"

#include "hub/common/random.h"
#include "hub/common/strings.h"
#include "hub/http/client.h"

#include "CLI/CLI.hpp"

namespace hub::cli {
namespace {

using nlohmann::json;

constexpr int kRuntimeError = 1;
constexpr int kUsageError = 2;
constexpr std::chrono::milliseconds kFirstPoll{300};
constexpr std::chrono::milliseconds kMaxPoll{3'000};
constexpr int kBarWidth = 30;

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "ersilia-hub run: %s\n", common::ToString(status.message()).c_str());
  return kRuntimeError;
}

// The `detail` of an error answer, else its body.
absl::Status ApiError(const http::ClientResponse& response) {
  auto body = json::parse(response.body, nullptr, false);
  std::string detail = response.body;
  if (body.is_object() && body.contains("detail")) {
    detail = body["detail"].is_string() ? body["detail"].get<std::string>() : body["detail"].dump();
  }
  return absl::FailedPreconditionError(fmt::format("HTTP {}: {}", response.status, detail));
}

std::string UrlEncode(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

// A client of one hub with one Bearer credential.
class HubConnection {
public:
  explicit HubConnection(std::string server) : server_(std::move(server)) {
    while (!server_.empty() && server_.back() == '/') {
      server_.pop_back();
    }
  }

  void set_token(std::string token) { token_ = std::move(token); }

  // Sends a request; a JSON answer for a 2xx, the API's message otherwise.
  absl::StatusOr<json> Call(http::Method method,
                            const std::string& path,
                            std::string body = "",
                            const std::string& content_type = "") {
    http::ClientRequest request = Prepare(method, path);
    request.body = std::move(body);
    if (!content_type.empty()) {
      request.headers.Set("Content-Type", content_type);
    }
    request.timeout = std::chrono::minutes(10);  // uploads of large files
    auto response = client_.Send(request);
    if (!response.ok()) {
      return Unreachable(response.status(), request.url);
    }
    if (response->status < 200 || response->status >= 300) {
      return ApiError(*response);
    }
    auto parsed = json::parse(response->body, nullptr, false);
    if (parsed.is_discarded()) {
      return absl::DataLossError(fmt::format("{} {}: the answer is not JSON", server_, path));
    }
    return parsed;
  }

  // Streams the body of a GET into `out`.
  absl::Status Download(const std::string& path, std::ofstream& out) {
    http::ClientRequest request = Prepare(http::Method::kGet, path);
    request.timeout = std::chrono::milliseconds(0);
    std::string head;  // the start of the body, for an error's message
    request.on_data = [&out, &head](std::string_view data) {
      if (head.size() < 4096) {
        head.append(data.substr(0, 4096 - head.size()));
      }
      out.write(data.data(), static_cast<std::streamsize>(data.size()));
      return static_cast<bool>(out);
    };
    auto response = client_.Send(request);
    if (!response.ok()) {
      return Unreachable(response.status(), request.url);
    }
    if (response->status < 200 || response->status >= 300) {
      response->body = head;
      return ApiError(*response);
    }
    return out ? absl::OkStatus() : absl::DataLossError("cannot write the result file");
  }

private:
  http::ClientRequest Prepare(http::Method method, const std::string& path) const {
    http::ClientRequest request;
    request.method = method;
    request.url = server_ + path;
    request.headers.Set("Accept", "application/json");
    request.headers.Set("User-Agent", "ersilia-hub-run/1");
    if (!token_.empty()) {
      request.headers.Set("Authorization", "Bearer " + token_);
    }
    return request;
  }

  // The transport error without the URL, whose path may hold the anonymous key.
  absl::Status Unreachable(const absl::Status& status, const std::string& url) const {
    std::string message = common::ToString(status.message());
    for (size_t at = message.find(url); at != std::string::npos; at = message.find(url)) {
      message.replace(at, url.size(), "");
    }
    return absl::UnavailableError(
        fmt::format("cannot reach the hub at {}: {}", server_, common::Trim(message)));
  }

  std::string server_;
  std::string token_;
  http::Client client_;
};

// The anonymous key in `path`, or a new one saved there (mode 0600).
absl::StatusOr<std::string> LoadOrCreateKey(const std::string& path) {
  std::ifstream in(path);
  std::string key;
  if (in && std::getline(in, key) && !common::Trim(key).empty()) {
    return std::string(common::Trim(key));
  }
  key = common::NewUuid();
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::string line = key + "\n";
  bool written =
      fd >= 0 && ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  if (fd >= 0) {
    ::close(fd);
  }
  if (!written) {
    return absl::UnavailableError(fmt::format("cannot save the anonymous key in {}", path));
  }
  return key;
}

absl::Status LogIn(HubConnection& hub, const RunFlags& flags) {
  if (!flags.api_key.empty()) {
    hub.set_token(flags.api_key);
    return absl::OkStatus();
  }
  std::string key = flags.key;
  if (key.empty()) {
    std::string file = flags.key_file;
    if (file.empty()) {
      const char* home = std::getenv("HOME");  // NOLINT(concurrency-mt-unsafe): single thread
      file = std::string(home != nullptr ? home : ".") + "/.ersilia-hub-key";
    }
    auto loaded = LoadOrCreateKey(file);
    if (!loaded.ok()) {
      return loaded.status();
    }
    key = *loaded;
  }
  auto login = hub.Call(http::Method::kPost, "/api/auth/anonymous-login/" + UrlEncode(key));
  if (!login.ok()) {
    return login.status();
  }
  hub.set_token(login->at("session").at("session_token").get<std::string>());
  return absl::OkStatus();
}

absl::StatusOr<json> Submit(HubConnection& hub, const RunFlags& flags) {
  std::ifstream in(flags.input, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(fmt::format("cannot read {}", flags.input));
  }
  std::ostringstream body;
  body << in.rdbuf();
  std::string path = "/api/work-requests?model_id=" + UrlEncode(flags.model);
  if (flags.has_header) {
    path += *flags.has_header ? "&has_header=true" : "&has_header=false";
  }
  std::string name = flags.input.substr(flags.input.find_last_of('/') + 1);
  path += "&filename=" + UrlEncode(name);
  bool smiles = name.ends_with(".smi") || name.ends_with(".txt") || name.ends_with(".smiles");
  return hub.Call(http::Method::kPost, path, body.str(), smiles ? "text/plain" : "text/csv");
}

std::int64_t Count(const json& progress, const char* name) {
  return progress.contains(name) && progress[name].is_number() ? progress[name].get<std::int64_t>()
                                                               : 0;
}

// One progress line: `[####------]  40.0%  40/100 molecules  ETA 3s  PROCESSING`.
std::string ProgressLine(const json& record) {
  json progress = record.value("progress", json::object());
  double percent = progress.value("percent", 0.0);
  int filled = static_cast<int>(std::lround(kBarWidth * std::min(percent, 100.0) / 100.0));
  std::int64_t failed = Count(progress, "molecules_failed");
  std::string line =
      fmt::format("[{}{}] {:5.1f}%  {}/{} molecules", std::string(filled, '#'),
                  std::string(kBarWidth - filled, '-'), percent,
                  Count(progress, "molecules_done") + failed, Count(progress, "molecules_total"));
  if (failed > 0) {
    line += fmt::format(" ({} failed)", failed);
  }
  std::string status = record.value("request_status", "");
  if (progress.contains("eta_seconds") && progress["eta_seconds"].is_number() &&
      status != "COMPLETED") {
    line += fmt::format("  ETA {}s", progress["eta_seconds"].get<std::int64_t>());
  }
  return line + "  " + status;
}

bool IsTerminal(const std::string& status) {
  return status == "COMPLETED" || status == "FAILED" || status == "CANCELLED";
}

absl::StatusOr<json> Wait(HubConnection& hub, std::int64_t id, bool quiet) {
  bool tty = isatty(STDERR_FILENO) != 0;
  std::string last;
  std::chrono::milliseconds delay = kFirstPoll;
  while (true) {
    auto record = hub.Call(http::Method::kGet, fmt::format("/api/work-requests/{}", id));
    if (!record.ok()) {
      return record.status();
    }
    std::string status = record->value("request_status", "");
    std::string line = ProgressLine(*record);
    if (!quiet && line != last) {
      std::fprintf(stderr, tty ? "\r%s\033[K" : "%s\n", line.c_str());
      last = line;
    }
    if (IsTerminal(status)) {
      if (!quiet && tty) {
        std::fputc('\n', stderr);
      }
      return record;
    }
    std::this_thread::sleep_for(delay);
    delay = std::min(kMaxPoll, delay * 3 / 2);
  }
}

absl::Status WriteResult(HubConnection& hub, std::int64_t id, const RunFlags& flags) {
  std::string partial = flags.output + ".part";
  absl::Status downloaded;
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    if (!out) {
      return absl::UnavailableError(fmt::format("cannot write {}", flags.output));
    }
    downloaded = hub.Download(fmt::format("/api/work-requests/{}/result?format={}&layout={}", id,
                                          flags.format, flags.layout),
                              out);
  }
  if (!downloaded.ok()) {
    std::remove(partial.c_str());
    return downloaded;
  }
  if (std::rename(partial.c_str(), flags.output.c_str()) != 0) {
    return absl::UnavailableError(fmt::format("cannot write {}", flags.output));
  }
  return absl::OkStatus();
}

}  // namespace

CLI::App* AddRunCommand(CLI::App& app, RunFlags& flags) {
  CLI::App* run =
      app.add_subcommand("run", "submit a file of molecules to a hub, wait, and write the result");
  run->add_option("--model", flags.model, "model id, e.g. eos3b5e")->required();
  run->add_option("-i,--input", flags.input, "CSV, SMI or text file of molecules")->required();
  run->add_option("-o,--output", flags.output, "result file")->required();
  run->add_option("--server", flags.server, "hub URL")->capture_default_str();
  run->add_option("--key", flags.key, "anonymous key (a UUID)");
  run->add_option("--key-file", flags.key_file, "file with the anonymous key (created if missing)")
      ->default_str("~/.ersilia-hub-key");
  run->add_option("--api-key", flags.api_key, "an account's API key");
  run->add_flag_function(
      "--header", [&flags](std::int64_t) { flags.has_header = true; },
      "the first line is a header");
  run->add_flag_function(
      "--no-header", [&flags](std::int64_t) { flags.has_header = false; },
      "the first line is a molecule");
  run->add_option("--format", flags.format, "result format")
      ->check(CLI::IsMember({"csv", "json", "jsonl"}))
      ->capture_default_str();
  run->add_option("--layout", flags.layout, "CSV columns: ersilia (key,input,...) or hub")
      ->check(CLI::IsMember({"ersilia", "hub"}))
      ->capture_default_str();
  run->add_flag("-q,--quiet", flags.quiet, "no progress on stderr");
  return run;
}

int RunWorkRequest(const RunFlags& flags) {
  HubConnection hub(flags.server);
  if (absl::Status in = LogIn(hub, flags); !in.ok()) {
    return Fail(in);
  }
  auto submitted = Submit(hub, flags);
  if (!submitted.ok()) {
    return Fail(submitted.status());
  }
  std::int64_t id = submitted->at("id").get<std::int64_t>();
  if (!flags.quiet) {
    std::fprintf(stderr, "ersilia-hub run: request %lld submitted (%lld rows)\n",
                 static_cast<long long>(id),  // NOLINT(google-runtime-int): printf
                 static_cast<long long>(submitted->value("input_size", 0)));  // NOLINT
  }
  auto done = Wait(hub, id, flags.quiet);
  if (!done.ok()) {
    return Fail(done.status());
  }
  std::string status = done->value("request_status", "");
  if (status != "COMPLETED") {
    std::string reason = (*done)["request_status_reason"].is_string()
                             ? (*done)["request_status_reason"].get<std::string>()
                             : "no reason given";
    return Fail(absl::AbortedError(fmt::format("request {} {}: {}", id, status, reason)));
  }
  if (absl::Status written = WriteResult(hub, id, flags); !written.ok()) {
    return Fail(written);
  }
  if (!flags.quiet) {
    std::fprintf(stderr, "ersilia-hub run: wrote %s\n", flags.output.c_str());
  }
  return 0;
}

}  // namespace hub::cli
