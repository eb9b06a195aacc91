#pragma once

// Operator-facing logging on top of spdlog.
//
// A log line is a message plus stable key fields (`request_id`, `work_request_id`,
// `model_id`, `instance_id`, `user_id`, ...). In text format the line reads
// `2026-12-03T10:00:00.123456Z info instance started model_id=eos3b5e`; in JSON-lines format
// each line is one object `{"ts":...,"level":...,"msg":...,<fields>}`, escaped properly.
// Never pass passwords, tokens, anonymous keys or molecules as fields at info level.
//
// All functions are thread-safe. `Init` may be called again (tests, reconfiguration).

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

#include "absl/status/statusor.h"

namespace hub::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };
enum class Format { kText, kJson };

// One value of a key field. Converts implicitly from strings, integers, doubles and bools.
class Value {
public:
  Value(const char* v) : v_(std::string_view(v)) {}  // NOLINT(google-explicit-constructor)

  Value(std::string_view v) : v_(v) {}  // NOLINT(google-explicit-constructor)

  Value(const std::string& v) : v_(std::string_view{v}) {}  // NOLINT(google-explicit-constructor)

  Value(bool v) : v_(v) {}  // NOLINT(google-explicit-constructor)

  Value(double v) : v_(v) {}  // NOLINT(google-explicit-constructor)

  template <typename T, typename = std::enable_if_t<std::is_integral_v<T>>>
  Value(T v) : v_(static_cast<std::int64_t>(v)) {}  // NOLINT(google-explicit-constructor)

  const std::variant<std::string_view, std::int64_t, double, bool>& get() const { return v_; }

private:
  std::variant<std::string_view, std::int64_t, double, bool> v_;
};

struct Field {
  std::string_view key;
  Value value;
};

using Fields = std::initializer_list<Field>;

// Configures the process-wide logger: format, minimum level, and where lines go (stderr when
// `path` is empty, else appended to that file).
void Init(Format format, Level min_level, const std::string& path = "");

// Parses "debug" | "info" | "warn" | "error" (also "warning"), case-insensitively.
absl::StatusOr<Level> ParseLevel(std::string_view text);

// Parses "text" | "json".
absl::StatusOr<Format> ParseFormat(std::string_view text);

// Returns true when lines at `level` would be written.
bool Enabled(Level level);

// Writes one line. Fields of the innermost `ScopedFields` on this thread are appended.
void Write(Level level, std::string_view message, Fields fields = {});

// Adds `request_id`-style context to every line this thread logs while the object lives.
// Not copyable; nest freely (inner scopes are added after outer ones).
class ScopedField {
public:
  ScopedField(std::string_view key, std::string value);
  ~ScopedField();
  ScopedField(const ScopedField&) = delete;
  ScopedField& operator=(const ScopedField&) = delete;

private:
  size_t depth_;
};

// Returns true at most once per `interval_ms` for the call site identified by `key`; use it to
// rate-limit lines on retry paths and in loops.
bool Every(std::string_view key, std::int64_t interval_ms);

}  // namespace hub::log

// Level names for HUB_LOG, so call sites read `HUB_LOG(info, "started", {"port", port})`.
namespace hub::log::level_names {
// NOLINTBEGIN(readability-identifier-naming)
inline constexpr Level debug = Level::kDebug;
inline constexpr Level info = Level::kInfo;
inline constexpr Level warn = Level::kWarn;
inline constexpr Level error = Level::kError;
// NOLINTEND(readability-identifier-naming)
}  // namespace hub::log::level_names

// HUB_LOG(level, message, {"key", value}, ...): writes when `level` is enabled; the fields
// are not evaluated otherwise. An expression rather than `do { if ... }`, so a log line adds
// no block nesting to the function it sits in.
#define HUB_LOG(level, message, ...)                                               \
  (::hub::log::Enabled(::hub::log::level_names::level)                             \
       ? ::hub::log::Write(::hub::log::level_names::level, message, {__VA_ARGS__}) \
       : void())
