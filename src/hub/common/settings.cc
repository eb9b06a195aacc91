#include "hub/common/settings.h"

#include <charconv>
#include <cmath>

#include "fmt/format.h"
#include <yaml-cpp/yaml.h>

#include "hub/common/status_macros.h"
#include "hub/common/strings.h"

namespace hub::common {
namespace {

void Flatten(const YAML::Node& node,
             const std::string& prefix,
             std::vector<std::pair<std::string, std::string>>& out) {
  if (node.IsMap()) {
    for (const auto& item : node) {
      std::string path = prefix;
      if (!path.empty()) {
        path += '.';
      }
      path += item.first.as<std::string>();
      Flatten(item.second, path, out);
    }
    return;
  }
  if (node.IsSequence()) {
    std::vector<std::string> parts;
    for (const auto& item : node) {
      parts.push_back(item.as<std::string>());
    }
    out.emplace_back(prefix, Join(parts, ","));
    return;
  }
  out.emplace_back(prefix, node.IsNull() ? "" : node.as<std::string>());
}

}  // namespace

std::string_view SettingSourceName(SettingSource source) {
  switch (source) {
    case SettingSource::kDefault:
      return "default";
    case SettingSource::kFile:
      return "config file";
    case SettingSource::kEnvironment:
      return "environment";
    case SettingSource::kFlag:
      return "command line";
  }
  return "default";
}

void Settings::Define(SettingSpec spec) {
  HUB_CHECK(Find(spec.key) == nullptr);
  Entry entry;
  entry.value = spec.default_value;
  entry.spec = std::move(spec);
  entries_.push_back(std::move(entry));
}

Settings::Entry* Settings::Find(std::string_view key) {
  for (Entry& e : entries_) {
    if (e.spec.key == key) {
      return &e;
    }
  }
  return nullptr;
}

const Settings::Entry* Settings::Find(std::string_view key) const {
  return const_cast<Settings*>(this)->Find(key);
}

void Settings::Offer(Entry& entry, std::string value, SettingSource source, std::string origin) {
  if (source < entry.source) {
    return;
  }
  entry.value = std::move(value);
  entry.source = source;
  entry.origin = std::move(origin);
}

absl::Status Settings::LoadFile(const std::string& path) {
  std::vector<std::pair<std::string, std::string>> values;
  try {
    YAML::Node root = YAML::LoadFile(path);
    if (!root.IsNull() && !root.IsMap()) {
      return absl::InvalidArgumentError(
          fmt::format("config file {}: the top level must be a mapping of settings", path));
    }
    Flatten(root, "", values);
  } catch (const YAML::BadFile&) {
    return absl::NotFoundError(fmt::format("config file {} cannot be read", path));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(fmt::format("config file {}: {}", path, e.what()));
  }
  for (auto& [key, value] : values) {
    Entry* entry = Find(key);
    if (entry == nullptr) {
      return absl::InvalidArgumentError(fmt::format(
          "config file {}: unknown setting '{}' (see `serve --print-config`)", path, key));
    }
    Offer(*entry, std::move(value), SettingSource::kFile, path);
  }
  return absl::OkStatus();
}

void Settings::LoadEnvironment(const std::function<const char*(const char*)>& getenv) {
  for (Entry& entry : entries_) {
    for (const std::string& name : entry.spec.env) {
      const char* value = getenv(name.c_str());
      if (value != nullptr && *value != '\0') {
        Offer(entry, value, SettingSource::kEnvironment, name);
        break;
      }
    }
  }
}

absl::Status Settings::SetFlag(std::string_view key, std::string value) {
  Entry* entry = Find(key);
  if (entry == nullptr) {
    return absl::InvalidArgumentError(
        fmt::format("unknown setting '{}' (see `serve --print-config`)", key));
  }
  Offer(*entry, std::move(value), SettingSource::kFlag, "--set");
  return absl::OkStatus();
}

absl::Status Settings::Apply() const {
  for (const Entry& entry : entries_) {
    absl::Status status = entry.spec.apply(entry.value);
    if (status.ok()) {
      continue;
    }
    std::string where(SettingSourceName(entry.source));
    if (!entry.origin.empty()) {
      where = fmt::format("{} {}", where, entry.origin);
    }
    std::string shown = entry.spec.secret ? "********" : entry.value;
    return absl::InvalidArgumentError(fmt::format("setting {} = '{}' (from {}): {}", entry.spec.key,
                                                  shown, where, ToString(status.message())));
  }
  return absl::OkStatus();
}

std::string Settings::Describe() const {
  std::string out;
  for (const Entry& entry : entries_) {
    std::string shown = entry.value;
    if (entry.spec.secret && !shown.empty()) {
      shown = "********";
    }
    std::string source(SettingSourceName(entry.source));
    if (!entry.origin.empty() && entry.source == SettingSource::kEnvironment) {
      source = fmt::format("{} {}", source, entry.origin);
    }
    out += fmt::format("{:<36} = {:<30}  ({})\n", entry.spec.key, shown, source);
  }
  return out;
}

const std::string& Settings::Value(std::string_view key) const {
  const Entry* entry = Find(key);
  HUB_CHECK(entry != nullptr);
  return entry->value;
}

SettingSource Settings::Source(std::string_view key) const {
  const Entry* entry = Find(key);
  HUB_CHECK(entry != nullptr);
  return entry->source;
}

absl::StatusOr<std::int64_t> ParseIntSetting(std::string_view text,
                                             std::int64_t min,
                                             std::int64_t max) {
  text = Trim(text);
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    return absl::InvalidArgumentError(fmt::format("must be an integer in {}..{}", min, max));
  }
  return value;
}

absl::StatusOr<double> ParseDoubleSetting(std::string_view text, double min, double max) {
  std::string copy(Trim(text));
  char* end = nullptr;
  double value = std::strtod(copy.c_str(), &end);
  if (copy.empty() || end != copy.c_str() + copy.size() || !std::isfinite(value) || value < min ||
      value > max) {
    return absl::InvalidArgumentError(fmt::format("must be a number in {}..{}", min, max));
  }
  return value;
}

absl::StatusOr<bool> ParseBoolSetting(std::string_view text) {
  std::string lower = ToLower(Trim(text));
  if (lower == "true" || lower == "yes" || lower == "on" || lower == "1") {
    return true;
  }
  if (lower == "false" || lower == "no" || lower == "off" || lower == "0") {
    return false;
  }
  return absl::InvalidArgumentError("must be true or false");
}

absl::StatusOr<std::chrono::milliseconds> ParseDurationSetting(std::string_view text) {
  std::string_view t = Trim(text);
  static constexpr std::pair<std::string_view, std::int64_t> kUnits[] = {
      {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}};
  std::int64_t scale = 1000;
  for (const auto& [suffix, ms] : kUnits) {
    if (t.size() > suffix.size() && t.substr(t.size() - suffix.size()) == suffix) {
      bool digit_before =
          t[t.size() - suffix.size() - 1] >= '0' && t[t.size() - suffix.size() - 1] <= '9';
      if (digit_before) {
        scale = ms;
        t.remove_suffix(suffix.size());
        break;
      }
    }
  }
  auto number = ParseIntSetting(t, 0, std::int64_t{1} << 40);
  if (!number.ok()) {
    return absl::InvalidArgumentError(
        "must be a duration such as 250ms, 30s, 5m, 2h, 7d (a bare number means seconds)");
  }
  return std::chrono::milliseconds(*number * scale);
}

absl::StatusOr<std::uint64_t> ParseBytesSetting(std::string_view text) {
  std::string_view t = Trim(text);
  static constexpr std::pair<std::string_view, std::uint64_t> kUnits[] = {
      {"KiB", 1ull << 10}, {"MiB", 1ull << 20},
      {"GiB", 1ull << 30}, {"KB", 1ull << 10},
      {"MB", 1ull << 20},  {"GB", 1ull << 30},
      {"K", 1ull << 10},   {"M", 1ull << 20},
      {"G", 1ull << 30},   {"B", 1}};
  std::uint64_t scale = 1;
  for (const auto& [suffix, bytes] : kUnits) {
    if (t.size() > suffix.size() && t.substr(t.size() - suffix.size()) == suffix) {
      scale = bytes;
      t.remove_suffix(suffix.size());
      break;
    }
  }
  auto number = ParseIntSetting(Trim(t), 0, std::int64_t{1} << 50);
  if (!number.ok()) {
    return absl::InvalidArgumentError("must be a size such as 1048576, 512KiB, 10MiB or 1GiB");
  }
  return static_cast<std::uint64_t>(*number) * scale;
}

std::vector<std::string> ParseListSetting(std::string_view text) {
  std::vector<std::string> out;
  for (std::string_view part : Split(text, ',')) {
    part = Trim(part);
    if (!part.empty()) {
      out.emplace_back(part);
    }
  }
  return out;
}

}  // namespace hub::common
