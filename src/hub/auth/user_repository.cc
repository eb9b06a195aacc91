#include "hub/auth/user_repository.h"

#include "fmt/format.h"

#include "hub/common/status_macros.h"
#include "hub/common/strings.h"

namespace hub::auth {
namespace {

constexpr char kInsertUser[] = R"sql(
INSERT INTO {schema}.users (id, kind, username, username_key, first_name, last_name, email,
                            email_key, password_hash, permissions, permissions_updated_at,
                            signup_at, updated_at)
VALUES ($1, 'user', $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $10))sql";

constexpr char kInsertAnonymous[] = R"sql(
INSERT INTO {schema}.users (id, kind, username, username_key, anonymous_key_hash, permissions,
                            permissions_updated_at, signup_at, updated_at)
VALUES ($1, 'anonymous', $2, $2, $3, '[]', $4, $4, $4)
ON CONFLICT (anonymous_key_hash) DO NOTHING)sql";

constexpr char kSelectByKeyHash[] = R"sql(
SELECT id, kind, username, first_name, last_name, email, permissions, permissions_updated_at,
       signup_at, updated_at
FROM {schema}.users WHERE anonymous_key_hash = $1)sql";

constexpr char kSelectKeyHash[] = R"sql(
SELECT anonymous_key_hash FROM {schema}.users WHERE id = $1)sql";

constexpr char kSelectById[] = R"sql(
SELECT id, kind, username, first_name, last_name, email, permissions, permissions_updated_at,
       signup_at, updated_at
FROM {schema}.users WHERE id = $1)sql";

constexpr char kSelectByUsername[] = R"sql(
SELECT id, kind, username, first_name, last_name, email, permissions, permissions_updated_at,
       signup_at, updated_at, password_hash
FROM {schema}.users WHERE username_key = $1 AND kind = 'user')sql";

constexpr char kSelectByIdWithPassword[] = R"sql(
SELECT id, kind, username, first_name, last_name, email, permissions, permissions_updated_at,
       signup_at, updated_at, password_hash
FROM {schema}.users WHERE id = $1)sql";

constexpr char kSelectByEmail[] = R"sql(
SELECT id, kind, username, first_name, last_name, email, permissions, permissions_updated_at,
       signup_at, updated_at
FROM {schema}.users WHERE email_key = $1 AND kind = 'user')sql";

// Every filter is optional: a NULL parameter disables its condition. Patterns are escaped
// with '!' (see LikePrefix).
constexpr char kListUsers[] = R"sql(
SELECT id, kind, username, first_name, last_name, email, permissions, permissions_updated_at,
       signup_at, updated_at
FROM {schema}.users
WHERE kind = 'user'
  AND (CAST($1 AS TEXT) IS NULL OR username_key = $1)
  AND (CAST($2 AS TEXT) IS NULL OR username_key LIKE $2 ESCAPE '!')
  AND (CAST($3 AS TEXT) IS NULL OR lower(first_name) LIKE $3 ESCAPE '!')
  AND (CAST($4 AS TEXT) IS NULL OR lower(last_name) LIKE $4 ESCAPE '!')
  AND (CAST($5 AS TEXT) IS NULL OR email_key LIKE $5 ESCAPE '!')
ORDER BY username_key
LIMIT $6)sql";

constexpr char kDeleteUser[] = R"sql(DELETE FROM {schema}.users WHERE id = $1)sql";

constexpr char kSetPermissions[] = R"sql(
UPDATE {schema}.users SET permissions = $2, permissions_updated_at = $3, updated_at = $3
WHERE id = $1 AND kind = 'user')sql";

constexpr char kSetPasswordHash[] = R"sql(
UPDATE {schema}.users SET password_hash = $2, updated_at = $3
WHERE id = $1 AND kind = 'user')sql";

constexpr char kSelectAllPermissions[] = R"sql(
SELECT id, permissions, permissions_updated_at FROM {schema}.users WHERE kind = 'user')sql";

constexpr char kSelectUsersWithPermissions[] = R"sql(
SELECT id, permissions, permissions_updated_at FROM {schema}.users
WHERE kind = 'user' AND permissions <> '[]')sql";

absl::StatusOr<User> UserFromRow(const store::Row& row) {
  User user;
  HUB_ASSIGN_OR_RETURN(user.id, row.GetString(0));
  HUB_ASSIGN_OR_RETURN(std::string kind, row.GetString(1));
  std::optional<IdentityKind> parsed = ParseIdentityKind(kind);
  if (!parsed) {
    return absl::InternalError(fmt::format("users.kind has unknown value '{}'", kind));
  }
  user.kind = *parsed;
  HUB_ASSIGN_OR_RETURN(user.username, row.GetString(2));
  HUB_ASSIGN_OR_RETURN(user.first_name, row.GetString(3));
  HUB_ASSIGN_OR_RETURN(user.last_name, row.GetString(4));
  HUB_ASSIGN_OR_RETURN(user.email, row.GetOptionalString(5));
  HUB_ASSIGN_OR_RETURN(std::string permissions, row.GetString(6));
  auto set = PermissionSet::FromJson(permissions);
  if (!set.ok()) {
    return absl::InternalError(fmt::format("users.permissions of {}: {}", user.id,
                                           common::ToString(set.status().message())));
  }
  user.permissions = *set;
  HUB_ASSIGN_OR_RETURN(user.permissions_updated_at, row.GetInt(7));
  HUB_ASSIGN_OR_RETURN(user.signup_at, row.GetInt(8));
  HUB_ASSIGN_OR_RETURN(user.updated_at, row.GetInt(9));
  return user;
}

absl::StatusOr<User> SingleUser(const absl::StatusOr<store::Result>& result) {
  HUB_RETURN_IF_ERROR(result.status());
  if (result->empty()) {
    return absl::NotFoundError("user not found");
  }
  return UserFromRow((*result)[0]);
}

absl::StatusOr<std::vector<StoredPermissions>> PermissionRows(
    const absl::StatusOr<store::Result>& result) {
  HUB_RETURN_IF_ERROR(result.status());
  std::vector<StoredPermissions> out;
  out.reserve(result->size());
  for (const store::Row& row : *result) {
    StoredPermissions entry;
    HUB_ASSIGN_OR_RETURN(entry.user_id, row.GetString(0));
    HUB_ASSIGN_OR_RETURN(std::string json, row.GetString(1));
    HUB_ASSIGN_OR_RETURN(entry.permissions, PermissionSet::FromJson(json));
    HUB_ASSIGN_OR_RETURN(entry.updated_at, row.GetInt(2));
    out.push_back(std::move(entry));
  }
  return out;
}

absl::StatusOr<UserWithPassword> WithPassword(const absl::StatusOr<store::Result>& result) {
  HUB_RETURN_IF_ERROR(result.status());
  if (result->empty()) {
    return absl::NotFoundError("user not found");
  }
  const store::Row& row = (*result)[0];
  UserWithPassword found;
  HUB_ASSIGN_OR_RETURN(found.user, UserFromRow(row));
  HUB_ASSIGN_OR_RETURN(std::optional<std::string> hash, row.GetOptionalString(10));
  found.password_hash = hash.value_or("");
  return found;
}

// A LIKE pattern matching values that start with `prefix` (lower-cased), escaped with '!'.
store::Value LikePrefix(const std::optional<std::string>& prefix) {
  if (!prefix) {
    return store::kNull;
  }
  std::string pattern;
  for (char c : common::ToLower(*prefix)) {
    if (c == '!' || c == '%' || c == '_') {
      pattern.push_back('!');
    }
    pattern.push_back(c);
  }
  pattern.push_back('%');
  return pattern;
}

store::Value Optional(const std::optional<std::string>& value) {
  if (!value) {
    return store::kNull;
  }
  return common::ToLower(*value);
}

}  // namespace

absl::Status UserRepository::InsertUser(const User& user, const std::string& password_hash) {
  store::Value email = store::kNull;
  store::Value email_key = store::kNull;
  if (user.email) {
    email = *user.email;
    email_key = common::ToLower(*user.email);
  }
  return db_
      .Exec(kInsertUser, {user.id, user.username, common::ToLower(user.username), user.first_name,
                          user.last_name, email, email_key, password_hash,
                          user.permissions.ToJson(), user.signup_at})
      .status();
}

absl::StatusOr<User> UserRepository::FindOrCreateAnonymous(const User& user,
                                                           const std::string& key_hash) {
  auto existing = SingleUser(db_.Exec(kSelectByKeyHash, {key_hash}));
  if (existing.ok() || existing.status().code() != absl::StatusCode::kNotFound) {
    return existing;
  }
  HUB_RETURN_IF_ERROR(
      db_.Exec(kInsertAnonymous, {user.id, user.username, key_hash, user.signup_at}).status());
  return SingleUser(db_.Exec(kSelectByKeyHash, {key_hash}));
}

absl::StatusOr<std::string> UserRepository::AnonymousKeyHash(const std::string& user_id) {
  HUB_ASSIGN_OR_RETURN(store::Result result, db_.Exec(kSelectKeyHash, {user_id}));
  if (result.empty()) {
    return absl::NotFoundError("user not found");
  }
  HUB_ASSIGN_OR_RETURN(std::optional<std::string> hash, result[0].GetOptionalString(0));
  return hash.value_or("");
}

absl::StatusOr<User> UserRepository::FindById(const std::string& id) {
  return SingleUser(db_.Exec(kSelectById, {id}));
}

absl::StatusOr<UserWithPassword> UserRepository::FindByIdWithPassword(const std::string& id) {
  return WithPassword(db_.Exec(kSelectByIdWithPassword, {id}));
}

absl::StatusOr<UserWithPassword> UserRepository::FindByUsername(const std::string& username) {
  return WithPassword(db_.Exec(kSelectByUsername, {common::ToLower(username)}));
}

absl::StatusOr<User> UserRepository::FindByEmail(const std::string& email) {
  return SingleUser(db_.Exec(kSelectByEmail, {common::ToLower(email)}));
}

absl::StatusOr<std::vector<User>> UserRepository::List(const UserFilter& filter) {
  HUB_ASSIGN_OR_RETURN(
      store::Result result,
      db_.Exec(kListUsers,
               {Optional(filter.username), LikePrefix(filter.username_prefix),
                LikePrefix(filter.first_name_prefix), LikePrefix(filter.last_name_prefix),
                LikePrefix(filter.email_prefix), static_cast<std::int64_t>(filter.limit)}));
  std::vector<User> users;
  users.reserve(result.size());
  for (const store::Row& row : result) {
    HUB_ASSIGN_OR_RETURN(User user, UserFromRow(row));
    users.push_back(std::move(user));
  }
  return users;
}

absl::StatusOr<bool> UserRepository::Delete(const std::string& id) {
  HUB_ASSIGN_OR_RETURN(store::Result result, db_.Exec(kDeleteUser, {id}));
  return result.affected_rows() > 0;
}

absl::StatusOr<bool> UserRepository::SetPermissions(const std::string& id,
                                                    const PermissionSet& permissions,
                                                    common::Micros now) {
  HUB_ASSIGN_OR_RETURN(store::Result result,
                       db_.Exec(kSetPermissions, {id, permissions.ToJson(), now}));
  return result.affected_rows() > 0;
}

absl::StatusOr<bool> UserRepository::SetPasswordHash(const std::string& id,
                                                     const std::string& hash,
                                                     common::Micros now) {
  HUB_ASSIGN_OR_RETURN(store::Result result, db_.Exec(kSetPasswordHash, {id, hash, now}));
  return result.affected_rows() > 0;
}

absl::StatusOr<std::vector<StoredPermissions>> UserRepository::AllPermissions() {
  return PermissionRows(db_.Exec(kSelectAllPermissions));
}

absl::StatusOr<std::vector<StoredPermissions>> UserRepository::UsersWithPermissions() {
  return PermissionRows(db_.Exec(kSelectUsersWithPermissions));
}

}  // namespace hub::auth
