#pragma once

// Runs the real `ersilia-hub` binary for integration tests: on port 0, in a temporary data
// directory, with its log captured to a file.

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace hub::test_support {

// The binary under test (`HUB_BINARY`, set by ctest) and the repository root
// (`HUB_SOURCE_DIR`).
std::string HubBinary();
std::string SourceDir();
// `../shared/data` next to the repository.
std::string SharedDataDir();

// A fresh empty directory under the test temp dir.
std::string MakeTempDir(std::string_view prefix);

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs `args` (argv[0] included) to completion with extra environment variables.
CommandResult RunCommand(const std::vector<std::string>& args,
                         const std::vector<std::pair<std::string, std::string>>& env = {},
                         std::chrono::seconds timeout = std::chrono::seconds(60));

// One `ersilia-hub <command>` process that announces its port through `--port-file`.
class HubProcess final {
public:
  struct Options {
    // Arguments after the binary; "--port-file <file>" is added when absent, and for `serve`
    // and `migrate` also "--data-dir <data_dir>".
    std::vector<std::string> args = {"serve", "--port", "0"};
    std::vector<std::pair<std::string, std::string>> env;
    std::string data_dir;  // empty: a fresh temp dir
    std::chrono::seconds start_timeout{60};
  };

  // Starts the process and waits until it listens. On failure the error carries the tail of
  // its log.
  static absl::StatusOr<std::unique_ptr<HubProcess>> Start(Options options);

  ~HubProcess();
  HubProcess(const HubProcess&) = delete;
  HubProcess& operator=(const HubProcess&) = delete;

  int port() const { return port_; }

  pid_t pid() const { return pid_; }

  const std::string& data_dir() const { return data_dir_; }

  // "http://127.0.0.1:<port><path>"
  std::string Url(std::string_view path) const;

  // SIGTERM, then waits up to `timeout`; returns the exit code (-signal when killed).
  int Stop(std::chrono::seconds timeout = std::chrono::seconds(30));
  // SIGKILL without waiting for anything to finish (crash simulation).
  void Kill();
  bool Running() const;

  // Everything the process has logged so far.
  std::string Log() const;

private:
  HubProcess() = default;
  int Wait(std::chrono::milliseconds timeout);

  pid_t pid_ = -1;
  int port_ = 0;
  int exit_code_ = -1;
  bool exited_ = false;
  std::string data_dir_;
  std::string log_path_;
};

}  // namespace hub::test_support
