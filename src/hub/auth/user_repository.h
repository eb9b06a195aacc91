#pragma once

// SQL access to `users` (migration 0002). Case-insensitive uniqueness of usernames and emails
// is enforced by the `username_key` / `email_key` columns (lower-cased copies).
//
// Errors are the database's (see store/database.h); lookups that find nothing return
// `kNotFound`. Thread-safety: thread-safe (stateless over a thread-safe `Database`); `db`
// must outlive the repository.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

#include "hub/auth/user.h"
#include "hub/store/database.h"

namespace hub::auth {

// A registered user with the stored password hash (never leaves the auth module).
struct UserWithPassword {
  User user;
  std::string password_hash;
};

// Optional filters of the user list; every given one must match. Prefixes match
// case-insensitively; `username` matches exactly (ignoring case).
struct UserFilter {
  std::optional<std::string> username;
  std::optional<std::string> username_prefix;
  std::optional<std::string> first_name_prefix;
  std::optional<std::string> last_name_prefix;
  std::optional<std::string> email_prefix;
  int limit = 1000;
};

// The permissions of one registered user, as the permission cache holds them.
struct StoredPermissions {
  std::string user_id;
  PermissionSet permissions;
  common::Micros updated_at = 0;
};

class UserRepository final {
public:
  explicit UserRepository(store::Database& db) : db_(db) {}

  // Inserts a registered user. `kAlreadyExists` when the username or email is taken.
  absl::Status InsertUser(const User& user, const std::string& password_hash);

  // The identity of an anonymous key, created on first use (`user` supplies id, username
  // and times for that case). Concurrent first uses of one key get the same row. When the
  // derived username is taken by another key, returns `kAlreadyExists` (retry with a longer
  // one).
  absl::StatusOr<User> FindOrCreateAnonymous(const User& user, const std::string& key_hash);

  // The anonymous key digest of `user_id`, empty for registered users. `kNotFound`.
  absl::StatusOr<std::string> AnonymousKeyHash(const std::string& user_id);

  absl::StatusOr<User> FindById(const std::string& id);

  // Any user by id, with the password hash (empty when it has none).
  absl::StatusOr<UserWithPassword> FindByIdWithPassword(const std::string& id);

  // Registered users only, by username or email ignoring case.
  absl::StatusOr<UserWithPassword> FindByUsername(const std::string& username);
  absl::StatusOr<User> FindByEmail(const std::string& email);

  // Registered users matching `filter`, by username.
  absl::StatusOr<std::vector<User>> List(const UserFilter& filter);

  // Deletes the row; sessions, API keys and reset tokens go with it (foreign keys). Returns
  // whether a row was deleted.
  absl::StatusOr<bool> Delete(const std::string& id);

  // Replaces a registered user's permissions. Returns whether the user exists.
  absl::StatusOr<bool> SetPermissions(const std::string& id,
                                      const PermissionSet& permissions,
                                      common::Micros now);

  // Replaces the stored password hash. Returns whether the user exists.
  absl::StatusOr<bool> SetPasswordHash(const std::string& id,
                                       const std::string& hash,
                                       common::Micros now);

  // Every registered user's permissions (for the permission cache).
  absl::StatusOr<std::vector<StoredPermissions>> AllPermissions();

  // Registered users holding at least one permission.
  absl::StatusOr<std::vector<StoredPermissions>> UsersWithPermissions();

private:
  store::Database& db_;
};

}  // namespace hub::auth
