#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"

#include "hub/cli/config.h"

namespace CLI {  // NOLINT(readability-identifier-naming): CLI11 names it
class App;
}  // namespace CLI

namespace hub::cli {

// Parses `argv` and runs the chosen subcommand; returns the process exit code (0 on success,
// 1 on a runtime failure, 2 on a usage or configuration error).
int Main(int argc, char** argv);

// Command-line options every hub command shares for its configuration.
struct ConfigFlags {
  std::string config_file;
  std::vector<std::string> sets;  // KEY=VALUE
  std::string host;
  int port = -1;
  std::string data_dir;
  std::string log_format;
  std::string log_level;
};

// Registers the shared configuration options on `command`.
void AddConfigFlags(CLI::App& command, ConfigFlags& flags);

// Builds the effective configuration: defaults, then the config file (`--config` or
// HUB_CONFIG), the environment, and the flags. `describe`, when non-null, receives the
// `--print-config` table. Errors name the bad setting.
absl::StatusOr<HubConfig> LoadConfig(const ConfigFlags& flags, std::string* describe = nullptr);

}  // namespace hub::cli
