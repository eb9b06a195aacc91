#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace hub::common {

// Where a setting's effective value came from. Later sources win: a command-line flag over
// an environment variable over the config file over the built-in default.
enum class SettingSource { kDefault, kFile, kEnvironment, kFlag };

std::string_view SettingSourceName(SettingSource source);

struct SettingSpec {
  std::string key;               // dotted name, also the config-file path: "http.port"
  std::vector<std::string> env;  // environment variables, first match wins: HUB_HTTP_PORT, API_PORT
  std::string default_value;
  std::string help;
  bool secret = false;  // masked by `Describe`
  // Parses `value` and stores it into the caller's configuration struct. Returns
  // InvalidArgument with a person-readable reason ("must be an integer in 1..65535").
  std::function<absl::Status(std::string_view value)> apply;
};

// A table of typed settings filled from layered sources. Not thread-safe; used once at start.
class Settings final {
public:
  // REQUIRES: `spec.key` is not defined yet.
  void Define(SettingSpec spec);

  // Reads a YAML file whose nested maps name settings (`http: {port: 8080}` sets
  // `http.port`). Lists become comma-separated values. Unknown keys are an error naming them.
  absl::Status LoadFile(const std::string& path);

  // Reads every defined environment variable through `getenv` (empty counts as unset).
  void LoadEnvironment(const std::function<const char*(const char*)>& getenv);

  // Sets a value from the command line. Returns InvalidArgument for an unknown key.
  absl::Status SetFlag(std::string_view key, std::string value);

  // Applies every effective value in definition order. The first invalid value stops it
  // with an error naming the setting and where the value came from.
  absl::Status Apply() const;

  // One line per setting, `key = value  (source)`, secrets shown as "********".
  std::string Describe() const;

  // The effective value and its source. REQUIRES: `key` is defined.
  const std::string& Value(std::string_view key) const;
  SettingSource Source(std::string_view key) const;

private:
  struct Entry {
    SettingSpec spec;
    std::string value;
    SettingSource source = SettingSource::kDefault;
    std::string origin;  // e.g. the environment variable's name
  };

  Entry* Find(std::string_view key);
  const Entry* Find(std::string_view key) const;
  void Offer(Entry& entry, std::string value, SettingSource source, std::string origin);

  std::vector<Entry> entries_;
};

// Value parsers for `SettingSpec::apply` implementations. Each returns InvalidArgument with a
// reason phrase that completes "must be …".
absl::StatusOr<std::int64_t> ParseIntSetting(std::string_view text,
                                             std::int64_t min,
                                             std::int64_t max);
absl::StatusOr<double> ParseDoubleSetting(std::string_view text, double min, double max);
// true/false, yes/no, on/off, 1/0 (any case).
absl::StatusOr<bool> ParseBoolSetting(std::string_view text);
// "250ms", "30s", "5m", "2h", "7d", or a bare number of seconds.
absl::StatusOr<std::chrono::milliseconds> ParseDurationSetting(std::string_view text);
// "1048576", "512KiB", "10MiB", "1GiB", "10MB" (MB = MiB here: sizes are for limits).
absl::StatusOr<std::uint64_t> ParseBytesSetting(std::string_view text);
// Comma-separated, trimmed, empty pieces dropped.
std::vector<std::string> ParseListSetting(std::string_view text);

}  // namespace hub::common
