#pragma once

// The hub's permissions and sets of them.
//
// Seven permissions, no groups. `ADMIN` implies every other one: `PermissionSet::Has` answers
// for the effective set, `Contains` for the literal one. Sets are stored per user as a JSON
// array of names (`["ADMIN"]`), the upstream `UserPermission.Permissions` form.
//
// Thread-safety: plain value types and pure functions.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace hub::auth {

enum class Permission : std::uint8_t {
  kManageModels,
  kViewModels,
  kK8sAdmin,  // model instances and scaling
  kSubmitWorkRequests,
  kManageWorkRequests,
  kManageUsers,
  kAdmin,  // everything
};

inline constexpr std::array<Permission, 7> kAllPermissions = {
    Permission::kManageModels,
    Permission::kViewModels,
    Permission::kK8sAdmin,
    Permission::kSubmitWorkRequests,
    Permission::kManageWorkRequests,
    Permission::kManageUsers,
    Permission::kAdmin,
};

// The upper-case API name: "MANAGE_MODELS", ..., "ADMIN".
std::string_view PermissionName(Permission permission);

// Parses an API name, ignoring surrounding whitespace and case. nullopt for unknown names.
std::optional<Permission> ParsePermission(std::string_view name);

// A set of permissions (a bit mask).
class PermissionSet final {
public:
  PermissionSet() = default;

  PermissionSet(std::initializer_list<Permission> permissions) {
    for (Permission p : permissions) {
      Add(p);
    }
  }

  void Add(Permission p) { bits_ |= Bit(p); }

  void Remove(Permission p) { bits_ &= ~Bit(p); }

  // True when `p` is literally in the set.
  bool Contains(Permission p) const { return (bits_ & Bit(p)) != 0; }

  // True when the set grants `p`: it contains `p` or `ADMIN`.
  bool Has(Permission p) const { return Contains(p) || Contains(Permission::kAdmin); }

  // True when this set grants everything `other` grants.
  bool Covers(const PermissionSet& other) const {
    return Contains(Permission::kAdmin) || (other.bits_ & ~bits_) == 0;
  }

  bool empty() const { return bits_ == 0; }

  // The union of both sets.
  PermissionSet With(const PermissionSet& other) const {
    PermissionSet both;
    both.bits_ = bits_ | other.bits_;
    return both;
  }

  // Names in the canonical order of `kAllPermissions`.
  std::vector<std::string> Names() const;

  // The stored form: a compact JSON array of names in canonical order (`[]` when empty).
  std::string ToJson() const;

  // Parses names; `InvalidArgument` naming the first unknown one. Duplicates are fine.
  static absl::StatusOr<PermissionSet> FromNames(const std::vector<std::string>& names);

  // Parses the stored JSON array; `InvalidArgument` when it is not an array of known names.
  static absl::StatusOr<PermissionSet> FromJson(std::string_view json);

  // Parses a comma-separated list ("VIEW_MODELS, SUBMIT_WORK_REQUESTS"); empty is the empty
  // set. `InvalidArgument` naming an unknown name.
  static absl::StatusOr<PermissionSet> FromList(std::string_view list);

  friend bool operator==(const PermissionSet& a, const PermissionSet& b) {
    return a.bits_ == b.bits_;
  }

private:
  static std::uint32_t Bit(Permission p) { return 1u << static_cast<unsigned>(p); }

  std::uint32_t bits_ = 0;
};

}  // namespace hub::auth
