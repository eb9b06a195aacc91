#include "hub/auth/principal.h"

namespace hub::auth {

std::string_view IdentityKindName(IdentityKind kind) {
  return kind == IdentityKind::kAnonymous ? "anonymous" : "user";
}

std::optional<IdentityKind> ParseIdentityKind(std::string_view name) {
  if (name == "user") {
    return IdentityKind::kUser;
  }
  if (name == "anonymous") {
    return IdentityKind::kAnonymous;
  }
  return std::nullopt;
}

std::string_view AuthTypeName(AuthType type) {
  return type == AuthType::kErsiliaAnonymous ? "ErsiliaAnonymous" : "ErsiliaUser";
}

std::optional<AuthType> ParseAuthType(std::string_view name) {
  if (name == "ErsiliaUser") {
    return AuthType::kErsiliaUser;
  }
  if (name == "ErsiliaAnonymous") {
    return AuthType::kErsiliaAnonymous;
  }
  return std::nullopt;
}

}  // namespace hub::auth
