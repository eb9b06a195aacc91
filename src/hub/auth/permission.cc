#include "hub/auth/permission.h"

#include "fmt/format.h"
#include "nlohmann/json.hpp"

#include "hub/common/strings.h"

namespace hub::auth {
namespace {

// The first 40 bytes of `text`, with anything but printable ASCII shown as '?'.
std::string PrintablePrefix(const std::string& text) {
  std::string shown = text.substr(0, 40);
  for (char& c : shown) {
    if (c < 0x20 || c > 0x7e) {
      c = '?';
    }
  }
  return shown;
}

}  // namespace

std::string_view PermissionName(Permission permission) {
  switch (permission) {
    case Permission::kManageModels:
      return "MANAGE_MODELS";
    case Permission::kViewModels:
      return "VIEW_MODELS";
    case Permission::kK8sAdmin:
      return "K8S_ADMIN";
    case Permission::kSubmitWorkRequests:
      return "SUBMIT_WORK_REQUESTS";
    case Permission::kManageWorkRequests:
      return "MANAGE_WORK_REQUESTS";
    case Permission::kManageUsers:
      return "MANAGE_USERS";
    case Permission::kAdmin:
      return "ADMIN";
  }
  return "UNKNOWN";
}

std::optional<Permission> ParsePermission(std::string_view name) {
  std::string upper(common::Trim(name));
  for (char& c : upper) {
    if (c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');
    }
  }
  for (Permission p : kAllPermissions) {
    if (PermissionName(p) == upper) {
      return p;
    }
  }
  return std::nullopt;
}

std::vector<std::string> PermissionSet::Names() const {
  std::vector<std::string> names;
  for (Permission p : kAllPermissions) {
    if (Contains(p)) {
      names.emplace_back(PermissionName(p));
    }
  }
  return names;
}

std::string PermissionSet::ToJson() const {
  return nlohmann::json(Names()).dump();
}

absl::StatusOr<PermissionSet> PermissionSet::FromNames(const std::vector<std::string>& names) {
  PermissionSet set;
  for (const std::string& name : names) {
    std::optional<Permission> p = ParsePermission(name);
    if (!p) {
      // Names come from clients: show only a bounded, printable prefix.
      std::string shown = PrintablePrefix(name);
      return absl::InvalidArgumentError(
          fmt::format("unknown permission '{}'; known: MANAGE_MODELS, VIEW_MODELS, K8S_ADMIN, "
                      "SUBMIT_WORK_REQUESTS, MANAGE_WORK_REQUESTS, MANAGE_USERS, ADMIN",
                      shown));
    }
    set.Add(*p);
  }
  return set;
}

absl::StatusOr<PermissionSet> PermissionSet::FromJson(std::string_view json) {
  nlohmann::json value = nlohmann::json::parse(json, nullptr, false);
  if (!value.is_array()) {
    return absl::InvalidArgumentError("permissions must be a JSON array of names");
  }
  std::vector<std::string> names;
  for (const auto& item : value) {
    if (!item.is_string()) {
      return absl::InvalidArgumentError("permissions must be a JSON array of names");
    }
    names.push_back(item.get<std::string>());
  }
  return FromNames(names);
}

absl::StatusOr<PermissionSet> PermissionSet::FromList(std::string_view list) {
  std::vector<std::string> names;
  for (std::string_view part : common::Split(list, ',')) {
    part = common::Trim(part);
    if (!part.empty()) {
      names.emplace_back(part);
    }
  }
  return FromNames(names);
}

}  // namespace hub::auth
