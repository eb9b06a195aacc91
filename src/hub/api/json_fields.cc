#include "hub/api/json_fields.h"

#include "fmt/format.h"

namespace hub::api {

JsonFields::JsonFields(const nlohmann::json& object, std::string path)
    : object_(object), path_(std::move(path)) {}

std::string JsonFields::Name(std::string_view name) const {
  return path_.empty() ? std::string(name) : fmt::format("{}.{}", path_, name);
}

const nlohmann::json* JsonFields::Find(std::string_view name) const {
  auto it = object_.find(name);
  if (it == object_.end() || it->is_null()) {
    return nullptr;
  }
  return &*it;
}

absl::StatusOr<std::optional<std::string>> JsonFields::OptionalString(
    std::string_view name, std::size_t max_length) const {
  const nlohmann::json* value = Find(name);
  if (value == nullptr) {
    return std::nullopt;
  }
  if (!value->is_string()) {
    return absl::InvalidArgumentError(fmt::format("{} must be a string", Name(name)));
  }
  const auto& text = value->get_ref<const std::string&>();
  if (text.size() > max_length) {
    return absl::InvalidArgumentError(
        fmt::format("{} must be at most {} characters", Name(name), max_length));
  }
  return text;
}

absl::StatusOr<std::string> JsonFields::RequiredString(std::string_view name,
                                                       std::size_t max_length) const {
  auto value = OptionalString(name, max_length);
  if (!value.ok()) {
    return value.status();
  }
  if (!value->has_value()) {
    return absl::InvalidArgumentError(fmt::format("{} is required", Name(name)));
  }
  return std::move(**value);
}

absl::StatusOr<bool> JsonFields::OptionalBool(std::string_view name, bool fallback) const {
  const nlohmann::json* value = Find(name);
  if (value == nullptr) {
    return fallback;
  }
  if (!value->is_boolean()) {
    return absl::InvalidArgumentError(fmt::format("{} must be true or false", Name(name)));
  }
  return value->get<bool>();
}

absl::StatusOr<JsonFields> JsonFields::RequiredObject(std::string_view name) const {
  const nlohmann::json* value = Find(name);
  if (value == nullptr) {
    return absl::InvalidArgumentError(fmt::format("{} is required", Name(name)));
  }
  if (!value->is_object()) {
    return absl::InvalidArgumentError(fmt::format("{} must be an object", Name(name)));
  }
  return JsonFields(*value, Name(name));
}

absl::StatusOr<std::optional<std::vector<std::string>>> JsonFields::OptionalStringList(
    std::string_view name, std::size_t max_items, std::size_t max_length) const {
  const nlohmann::json* value = Find(name);
  if (value == nullptr) {
    return std::nullopt;
  }
  if (!value->is_array() || value->size() > max_items) {
    return absl::InvalidArgumentError(
        fmt::format("{} must be a list of at most {} strings", Name(name), max_items));
  }
  std::vector<std::string> items;
  for (const auto& item : *value) {
    if (!item.is_string() || item.get_ref<const std::string&>().size() > max_length) {
      return absl::InvalidArgumentError(fmt::format(
          "{} must be a list of strings of at most {} characters", Name(name), max_length));
    }
    items.push_back(item.get<std::string>());
  }
  return items;
}

}  // namespace hub::api
