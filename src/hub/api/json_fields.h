#pragma once

// Typed, size-checked reads of a parsed JSON request body, so handlers stay thin and every
// bad field gets a 400 naming it. A JSON `null` counts as absent.
//
// Errors are `kInvalidArgument`: "user.email is required", "password must be a string",
// "name must be at most 100 characters", "permissions must be a list of strings".
//
// Thread-safety: reads only; the JSON value must outlive the reader.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace hub::api {

class JsonFields final {
public:
  // `object` must be a JSON object. `path` prefixes field names in messages ("user").
  explicit JsonFields(const nlohmann::json& object, std::string path = "");

  absl::StatusOr<std::string> RequiredString(std::string_view name, std::size_t max_length) const;

  absl::StatusOr<std::optional<std::string>> OptionalString(std::string_view name,
                                                            std::size_t max_length) const;

  absl::StatusOr<bool> OptionalBool(std::string_view name, bool fallback) const;

  // A nested object, read with the same rules.
  absl::StatusOr<JsonFields> RequiredObject(std::string_view name) const;

  absl::StatusOr<std::optional<std::vector<std::string>>> OptionalStringList(
      std::string_view name, std::size_t max_items, std::size_t max_length) const;

private:
  // The member, or nullptr when absent or null.
  const nlohmann::json* Find(std::string_view name) const;
  std::string Name(std::string_view name) const;

  const nlohmann::json& object_;
  std::string path_;
};

}  // namespace hub::api
