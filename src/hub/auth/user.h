#pragma once

// The account record shared by the auth services and the API.

#include <optional>
#include <string>

#include "hub/auth/permission.h"
#include "hub/auth/principal.h"
#include "hub/common/clock.h"

namespace hub::auth {

// One row of `users`: a registered account, or the identity of one anonymous key.
struct User {
  std::string id;
  IdentityKind kind = IdentityKind::kUser;
  std::string username;
  std::string first_name;
  std::string last_name;
  std::optional<std::string> email;
  // Stored permissions (always empty for anonymous identities, which get theirs from
  // configuration at request time).
  PermissionSet permissions;
  common::Micros permissions_updated_at = 0;
  common::Micros signup_at = 0;
  common::Micros updated_at = 0;
};

// What signup, `user create` and the initial admin provide.
struct NewAccount {
  std::string username;
  std::string first_name;
  std::string last_name;
  std::string email;
  std::string password;
};

}  // namespace hub::auth
