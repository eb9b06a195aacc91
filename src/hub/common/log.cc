#include "hub/common/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "spdlog/sinks/basic_file_sink.h"
#include "spdlog/sinks/stdout_sinks.h"
#include "spdlog/spdlog.h"

#include "hub/common/clock.h"
#include "hub/common/strings.h"
#include "hub/common/time_format.h"

namespace hub::log {
namespace {

struct State {
  std::atomic<int> min_level{static_cast<int>(Level::kInfo)};
  std::atomic<Format> format{Format::kText};
  std::shared_ptr<spdlog::logger> logger;
  std::mutex mu;
};

State& GlobalState() {
  static State* state = [] {
    auto* s = new State();
    s->logger =
        std::make_shared<spdlog::logger>("hub", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    s->logger->set_pattern("%v");
    s->logger->set_level(spdlog::level::trace);
    return s;
  }();
  return *state;
}

thread_local std::vector<std::pair<std::string, std::string>> tls_context;

const char* LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

// Text values are quoted only when they contain spaces, quotes or '='.
void AppendTextValue(std::string& out, std::string_view v) {
  bool plain = !v.empty() && v.find_first_of(" \"=\n\t") == std::string_view::npos;
  if (plain) {
    out.append(v);
    return;
  }
  out.append(nlohmann::json(std::string(v)).dump());
}

void AppendText(std::string& out, std::string_view key, const Value& value) {
  out.push_back(' ');
  out.append(key);
  out.push_back('=');
  std::visit(
      [&out](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string_view>) {
          AppendTextValue(out, v);
        } else if constexpr (std::is_same_v<T, bool>) {
          out.append(v ? "true" : "false");
        } else {
          fmt::format_to(std::back_inserter(out), "{}", v);
        }
      },
      value.get());
}

nlohmann::json ToJson(const Value& value) {
  return std::visit(
      [](const auto& v) -> nlohmann::json {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string_view>) {
          return std::string(v);
        } else {
          return v;
        }
      },
      value.get());
}

std::string FormatText(Level level, std::string_view message, Fields fields) {
  std::string line = common::FormatTimestamp(common::SystemClock::Instance().NowMicros());
  fmt::format_to(std::back_inserter(line), " {} {}", LevelName(level), message);
  for (const auto& [key, value] : tls_context) {
    AppendText(line, key, Value(value));
  }
  for (const Field& field : fields) {
    AppendText(line, field.key, field.value);
  }
  return line;
}

std::string FormatJson(Level level, std::string_view message, Fields fields) {
  nlohmann::ordered_json line;
  line["ts"] = common::FormatTimestamp(common::SystemClock::Instance().NowMicros());
  line["level"] = LevelName(level);
  line["msg"] = std::string(message);
  for (const auto& [key, value] : tls_context) {
    line[key] = value;
  }
  for (const Field& field : fields) {
    line[std::string(field.key)] = ToJson(field.value);
  }
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

void Init(Format format, Level min_level, const std::string& path) {
  State& state = GlobalState();
  std::lock_guard<std::mutex> lock(state.mu);
  state.format = format;
  state.min_level = static_cast<int>(min_level);
  spdlog::sink_ptr sink;
  if (path.empty()) {
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  } else {
    sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path);
  }
  auto logger = std::make_shared<spdlog::logger>("hub", sink);
  logger->set_pattern("%v");
  logger->set_level(spdlog::level::trace);
  logger->flush_on(spdlog::level::trace);
  std::atomic_store(&state.logger, logger);
}

absl::StatusOr<Level> ParseLevel(std::string_view text) {
  std::string lower = common::ToLower(text);
  if (lower == "debug" || lower == "trace") {
    return Level::kDebug;
  }
  if (lower == "info") {
    return Level::kInfo;
  }
  if (lower == "warn" || lower == "warning") {
    return Level::kWarn;
  }
  if (lower == "error" || lower == "fatal" || lower == "critical") {
    return Level::kError;
  }
  return absl::InvalidArgumentError(
      fmt::format("unknown log level '{}': use debug, info, warn or error", text));
}

absl::StatusOr<Format> ParseFormat(std::string_view text) {
  std::string lower = common::ToLower(text);
  if (lower == "text") {
    return Format::kText;
  }
  if (lower == "json") {
    return Format::kJson;
  }
  return absl::InvalidArgumentError(fmt::format("unknown log format '{}': use text or json", text));
}

bool Enabled(Level level) {
  return static_cast<int>(level) >= GlobalState().min_level.load(std::memory_order_relaxed);
}

void Write(Level level, std::string_view message, Fields fields) {
  if (!Enabled(level)) {
    return;
  }
  State& state = GlobalState();
  std::string line = state.format.load() == Format::kJson ? FormatJson(level, message, fields)
                                                          : FormatText(level, message, fields);
  std::shared_ptr<spdlog::logger> logger = std::atomic_load(&state.logger);
  logger->info(line);
}

ScopedField::ScopedField(std::string_view key, std::string value) : depth_(tls_context.size()) {
  tls_context.emplace_back(std::string(key), std::move(value));
}

ScopedField::~ScopedField() {
  tls_context.resize(depth_);
}

bool Every(std::string_view key, std::int64_t interval_ms) {
  static std::mutex mu;
  static auto* last = new std::unordered_map<std::string, std::int64_t>();
  std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::steady_clock::now().time_since_epoch())
                         .count();
  std::lock_guard<std::mutex> lock(mu);
  auto [it, inserted] = last->try_emplace(std::string(key), now);
  if (inserted) {
    return true;
  }
  if (now - it->second < interval_ms) {
    return false;
  }
  it->second = now;
  return true;
}

}  // namespace hub::log
