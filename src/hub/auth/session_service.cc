#include "hub/auth/session_service.h"

#include <algorithm>

#include "fmt/format.h"

#include "hub/auth/anonymous_key.h"
#include "hub/common/encoding.h"
#include "hub/common/log.h"
#include "hub/common/status_macros.h"
#include "hub/common/strings.h"

namespace hub::auth {
namespace {

constexpr char kBadLogin[] = "invalid username or password";
// Longer inputs cannot be an account's: refuse them before hashing.
constexpr size_t kMaxLoginUsername = 64;
constexpr size_t kMaxLoginPassword = 256;

}  // namespace

SessionService::SessionService(SessionServiceDeps deps, SessionOptions options)
    : deps_(deps), options_(options), cache_(options_.cache_size) {}

std::chrono::milliseconds SessionService::MaxAge(AuthType type) const {
  return type == AuthType::kErsiliaAnonymous ? options_.anonymous_max_age : options_.user_max_age;
}

absl::StatusOr<IssuedSession> SessionService::OpenSession(const User& user,
                                                          AuthType type,
                                                          const ClientInfo& client,
                                                          const std::string& public_id,
                                                          const std::string& key_hash) {
  common::Micros now = deps_.clock.NowMicros();
  std::int64_t max_age_seconds = std::max<std::int64_t>(1, MaxAge(type).count() / 1000);
  SessionRecord record;
  record.id = deps_.tokens.Uuid();
  record.user_id = user.id;
  std::string token = deps_.tokens.HexToken(32);
  record.token_hash = common::Sha256Hex(token);
  record.auth_type = type;
  record.max_age_seconds = max_age_seconds;
  record.started_at = now;
  record.expires_at = now + max_age_seconds * common::kMicrosPerSecond;
  record.client_address = client.address.substr(0, 64);
  record.user_agent = client.user_agent.substr(0, 256);
  HUB_RETURN_IF_ERROR(deps_.sessions.Insert(record));

  cache_.Put(record.token_hash,
             CachedCredential{CredentialKind::kSession, record.id, user.id, user.kind, type,
                              key_hash, max_age_seconds, now, record.expires_at, now});
  return IssuedSession{user.id,          public_id.empty() ? record.id : public_id,
                       std::move(token), type,
                       max_age_seconds,  now};
}

void SessionService::UpgradeHash(const User& user, std::string_view password) {
  auto hash = deps_.hasher.Hash(password);
  absl::Status stored = hash.status();
  if (hash.ok()) {
    stored = deps_.users.SetPasswordHash(user.id, *hash, deps_.clock.NowMicros()).status();
  }
  if (!stored.ok()) {
    HUB_LOG(warn, "could not upgrade a password hash; will retry at the next login",
            {"user_id", user.id}, {"error", common::ToString(stored.message())});
    return;
  }
  HUB_LOG(info, "password hash upgraded to argon2id", {"user_id", user.id});
}

absl::StatusOr<LoginResult> SessionService::Login(std::string_view username,
                                                  std::string_view password,
                                                  const ClientInfo& client) {
  if (username.size() > kMaxLoginUsername || password.size() > kMaxLoginPassword) {
    return absl::UnauthenticatedError(kBadLogin);
  }
  auto found = deps_.users.FindByUsername(std::string(username));
  if (!found.ok()) {
    if (!absl::IsNotFound(found.status())) {
      return found.status();
    }
    deps_.hasher.VerifyDummy(password);
    return absl::UnauthenticatedError(kBadLogin);
  }
  HUB_ASSIGN_OR_RETURN(PasswordCheck check,
                       deps_.hasher.Verify(password, found->password_hash,
                                           {found->user.username, found->user.signup_at}));
  if (check == PasswordCheck::kMismatch) {
    return absl::UnauthenticatedError(kBadLogin);
  }
  if (check == PasswordCheck::kMatchNeedsRehash) {
    UpgradeHash(found->user, password);
  }

  LoginResult result;
  result.user = std::move(found->user);
  HUB_ASSIGN_OR_RETURN(result.permissions, PermissionsOf(result.user.id, IdentityKind::kUser));
  HUB_ASSIGN_OR_RETURN(result.session,
                       OpenSession(result.user, AuthType::kErsiliaUser, client, "", ""));
  return result;
}

absl::StatusOr<User> SessionService::FindOrCreateAnonymous(const std::string& key_hash) {
  common::Micros now = deps_.clock.NowMicros();
  User user;
  user.id = deps_.tokens.Uuid();
  user.kind = IdentityKind::kAnonymous;
  user.signup_at = now;
  user.updated_at = now;
  user.permissions_updated_at = now;
  user.username = AnonymousUsername(key_hash);
  auto found = deps_.users.FindOrCreateAnonymous(user, key_hash);
  if (found.status().code() != absl::StatusCode::kAlreadyExists) {
    return found;
  }
  // Another key's identity has the same short name: use more of the digest.
  user.username = AnonymousUsername(key_hash, 32);
  return deps_.users.FindOrCreateAnonymous(user, key_hash);
}

absl::StatusOr<LoginResult> SessionService::AnonymousLogin(std::string_view key,
                                                           const ClientInfo& client) {
  HUB_ASSIGN_OR_RETURN(std::string normalized, NormalizeAnonymousKey(key));
  std::string key_hash = AnonymousKeyHash(normalized);
  LoginResult result;
  HUB_ASSIGN_OR_RETURN(result.user, FindOrCreateAnonymous(key_hash));
  if (result.user.kind != IdentityKind::kAnonymous) {
    return absl::InternalError("anonymous key digest belongs to a registered user");
  }
  result.permissions = options_.anonymous_permissions;
  HUB_ASSIGN_OR_RETURN(result.session, OpenSession(result.user, AuthType::kErsiliaAnonymous, client,
                                                   normalized, key_hash));
  return result;
}

absl::StatusOr<CachedCredential> SessionService::Load(const PresentedCredential& presented,
                                                      const std::string& hash,
                                                      common::Micros now) {
  if (presented.kind == CredentialKind::kApiKey) {
    auto key = deps_.api_keys.FindAndTouch(hash, now);
    if (absl::IsNotFound(key.status())) {
      return absl::UnauthenticatedError("API key is unknown or revoked");
    }
    HUB_RETURN_IF_ERROR(key.status());
    return CachedCredential{CredentialKind::kApiKey,
                            key->id,
                            key->user_id,
                            IdentityKind::kUser,
                            AuthType::kErsiliaUser,
                            "",
                            0,
                            key->created_at,
                            0,
                            now};
  }
  auto session = deps_.sessions.FindByTokenHash(hash);
  if (absl::IsNotFound(session.status())) {
    return absl::UnauthenticatedError("session is unknown or has ended; log in again");
  }
  HUB_RETURN_IF_ERROR(session.status());
  return CachedCredential{CredentialKind::kSession, session->id,
                          session->user_id,         session->kind,
                          session->auth_type,       session->anonymous_key_hash,
                          session->max_age_seconds, session->started_at,
                          session->expires_at,      now};
}

absl::Status SessionService::Check(const PresentedCredential& presented,
                                   const CachedCredential& entry,
                                   common::Micros now) {
  if (entry.credential == CredentialKind::kSession && entry.expires_at <= now) {
    return absl::UnauthenticatedError("session expired; log in again");
  }
  if (presented.header_type && *presented.header_type != entry.auth_type) {
    return absl::UnauthenticatedError(fmt::format("this is an {} session; send it with that scheme",
                                                  AuthTypeName(entry.auth_type)));
  }
  if (presented.header_type && presented.claimed_user_id != entry.user_id) {
    return absl::UnauthenticatedError("the session does not belong to the given userid");
  }
  return absl::OkStatus();
}

void SessionService::MaybeSlide(const std::string& hash,
                                CachedCredential& entry,
                                common::Micros now) {
  if (!options_.sliding || entry.credential != CredentialKind::kSession) {
    return;
  }
  common::Micros lifetime = entry.max_age_seconds * common::kMicrosPerSecond;
  if (entry.expires_at - now > lifetime / 2) {
    return;
  }
  common::Micros expires = now + lifetime;
  absl::Status extended = deps_.sessions.Extend(entry.id, expires);
  if (!extended.ok()) {
    HUB_LOG(warn, "could not extend a session", {"user_id", entry.user_id},
            {"error", common::ToString(extended.message())});
    return;
  }
  entry.expires_at = expires;
  cache_.Put(hash, entry);
}

std::string SessionService::PublicSessionId(const PresentedCredential& presented,
                                            const CachedCredential& entry) const {
  if (entry.credential == CredentialKind::kApiKey) {
    return "";
  }
  if (entry.kind != IdentityKind::kAnonymous) {
    return entry.id;
  }
  // The key is not stored; echo the one the client sent if it really is this identity's.
  auto key = NormalizeAnonymousKey(presented.claimed_session_id);
  if (key.ok() && common::ConstantTimeEquals(AnonymousKeyHash(*key), entry.anonymous_key_hash)) {
    return *key;
  }
  return "";
}

absl::StatusOr<Principal> SessionService::Authenticate(
    std::optional<std::string_view> authorization) {
  HUB_ASSIGN_OR_RETURN(PresentedCredential presented, ParseAuthorization(authorization));
  std::string hash = common::Sha256Hex(presented.secret);
  common::Micros now = deps_.clock.NowMicros();
  common::Micros ttl = options_.cache_ttl.count() * 1000;

  std::optional<CachedCredential> entry = cache_.Get(hash);
  if (!entry || now - entry->validated_at >= ttl) {
    auto loaded = Load(presented, hash, now);
    if (!loaded.ok()) {
      cache_.Erase(hash);
      return loaded.status();
    }
    entry = std::move(*loaded);
    cache_.Put(hash, *entry);
  }
  absl::Status checked = Check(presented, *entry, now);
  if (!checked.ok()) {
    return checked;
  }
  MaybeSlide(hash, *entry, now);

  Principal principal;
  principal.user_id = entry->user_id;
  principal.kind = entry->kind;
  principal.auth_type = entry->auth_type;
  principal.credential = entry->credential;
  principal.credential_id = entry->id;
  principal.credential_hash = hash;
  principal.public_session_id = PublicSessionId(presented, *entry);
  auto permissions = PermissionsOf(entry->user_id, entry->kind);
  if (absl::IsNotFound(permissions.status())) {
    cache_.Erase(hash);
    return absl::UnauthenticatedError("the user of this session no longer exists");
  }
  HUB_ASSIGN_OR_RETURN(principal.permissions, std::move(permissions));
  return principal;
}

absl::StatusOr<PermissionSet> SessionService::PermissionsOf(const std::string& user_id,
                                                            IdentityKind kind) {
  if (kind == IdentityKind::kAnonymous) {
    return options_.anonymous_permissions;
  }
  HUB_ASSIGN_OR_RETURN(StoredPermissions stored, deps_.permissions.Get(user_id));
  return stored.permissions;
}

absl::Status SessionService::Logout(const Principal& principal) {
  if (principal.credential == CredentialKind::kApiKey) {
    return absl::InvalidArgumentError(
        "an API key has no session to end; revoke it with DELETE /api/auth/api-keys/{id}");
  }
  cache_.Erase(principal.credential_hash);
  return deps_.sessions.Delete(principal.credential_id).status();
}

absl::StatusOr<IssuedSession> SessionService::Refresh(const Principal& principal) {
  if (principal.credential == CredentialKind::kApiKey) {
    return absl::InvalidArgumentError("API keys do not expire; only sessions are refreshed");
  }
  common::Micros now = deps_.clock.NowMicros();
  std::int64_t max_age_seconds =
      std::max<std::int64_t>(1, MaxAge(principal.auth_type).count() / 1000);
  common::Micros expires = now + max_age_seconds * common::kMicrosPerSecond;
  std::string token = deps_.tokens.HexToken(32);
  std::string hash = common::Sha256Hex(token);

  std::optional<CachedCredential> old = cache_.Get(principal.credential_hash);
  HUB_ASSIGN_OR_RETURN(
      bool rotated, deps_.sessions.Rotate(principal.credential_id, principal.credential_hash, hash,
                                          now, expires));
  cache_.Erase(principal.credential_hash);
  if (!rotated) {
    return absl::UnauthenticatedError("session has ended; log in again");
  }
  std::string key_hash = old ? old->anonymous_key_hash : "";
  if (principal.anonymous() && key_hash.empty()) {
    HUB_ASSIGN_OR_RETURN(key_hash, deps_.users.AnonymousKeyHash(principal.user_id));
  }
  cache_.Put(hash, CachedCredential{CredentialKind::kSession, principal.credential_id,
                                    principal.user_id, principal.kind, principal.auth_type,
                                    key_hash, max_age_seconds, now, expires, now});
  return IssuedSession{principal.user_id, principal.public_session_id,
                       std::move(token),  principal.auth_type,
                       max_age_seconds,   now};
}

absl::Status SessionService::EndSessions(const std::string& user_id,
                                         const std::string& keep_session_id) {
  HUB_ASSIGN_OR_RETURN(std::vector<std::string> hashes,
                       deps_.sessions.DeleteForUser(user_id, keep_session_id));
  for (const std::string& hash : hashes) {
    cache_.Erase(hash);
  }
  return absl::OkStatus();
}

void SessionService::ForgetUser(const std::string& user_id) {
  cache_.EraseUser(user_id);
  deps_.permissions.Erase(user_id);
}

void SessionService::Evict(const std::string& credential_hash) {
  cache_.Erase(credential_hash);
}

absl::StatusOr<std::int64_t> SessionService::DeleteExpired() {
  return deps_.sessions.DeleteExpired(deps_.clock.NowMicros());
}

}  // namespace hub::auth
