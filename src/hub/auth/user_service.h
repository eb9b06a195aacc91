#pragma once

// Accounts: signup, reading and listing users, deletion with their data, permissions,
// passwords (own change, forced change, emailed reset tokens) and the bootstrap admin.
//
// Ownership rules live here, behind the route's declared access: a caller may act on its own
// user; acting on another needs `MANAGE_USERS`, and never on a user holding permissions beyond
// the caller's own plus the defaults every new account gets (so `MANAGE_USERS` cannot be used
// to take over an `ADMIN`); likewise only such permissions can be granted or removed. The last
// user holding `ADMIN` cannot lose it.
//
// Errors: `kInvalidArgument` naming the bad field; `kAlreadyExists` for a taken username or
// email; `kPermissionDenied` for ownership and permission rules; `kNotFound` for an unknown
// user; `kFailedPrecondition` for operations that do not apply (anonymous identities have no
// password, the last admin); database errors otherwise.
//
// Thread-safety: thread-safe after construction; `RegisterCleaner` only before serving.
// Every reference passed to the constructor must outlive the service.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

#include "hub/auth/auth_options.h"
#include "hub/auth/mail_sender.h"
#include "hub/auth/password_hasher.h"
#include "hub/auth/permission_cache.h"
#include "hub/auth/principal.h"
#include "hub/auth/reset_token_repository.h"
#include "hub/auth/session_service.h"
#include "hub/auth/token_source.h"
#include "hub/auth/user.h"
#include "hub/auth/user_data_cleaner.h"
#include "hub/auth/user_repository.h"
#include "hub/common/clock.h"
#include "hub/common/thread_pool.h"

namespace hub::auth {

struct PasswordChange {
  std::string new_password;
  std::optional<std::string> current_password;
  bool force = false;
};

struct UserServiceOptions {
  std::size_t password_min_length = 10;
  PermissionSet default_permissions;
  std::chrono::milliseconds reset_token_ttl{3'600'000};
  std::string password_reset_url;
};

struct UserServiceDeps {
  UserRepository& users;
  ResetTokenRepository& reset_tokens;
  SessionService& sessions;
  PermissionCache& permissions;
  const PasswordHasher& hasher;
  const common::Clock& clock;
  TokenSource& tokens;
  // Null when SMTP is not configured: forgotten passwords are then reset by an admin.
  MailSender* mail;
};

class UserService final {
public:
  UserService(UserServiceDeps deps, UserServiceOptions options);
  ~UserService();

  UserService(const UserService&) = delete;
  UserService& operator=(const UserService&) = delete;

  // Adds a cleaner that `ClearData`, `ClearContributions` and `Delete` call. Not owned; it
  // must outlive the service.
  void RegisterCleaner(UserDataCleaner* cleaner);

  // A new account with the default permissions. Validates every field; a taken username or
  // email is `kAlreadyExists` naming which.
  absl::StatusOr<User> Signup(const NewAccount& account);

  // A new account with `permissions` (the `user create` command, the initial admin).
  absl::StatusOr<User> CreateAccount(const NewAccount& account, const PermissionSet& permissions);

  // Self or MANAGE_USERS.
  absl::StatusOr<User> Get(const Principal& caller, const std::string& id);

  // MANAGE_USERS. Registered users only.
  absl::StatusOr<std::vector<User>> List(const Principal& caller, const UserFilter& filter);

  // Self or MANAGE_USERS: clears the user's data and contributions, then deletes the user
  // with its sessions, API keys and reset tokens.
  absl::Status Delete(const Principal& caller, const std::string& id);

  // Self or MANAGE_USERS. Return how many items the registered cleaners deleted.
  absl::StatusOr<std::int64_t> ClearData(const Principal& caller, const std::string& id);
  absl::StatusOr<std::int64_t> ClearContributions(const Principal& caller, const std::string& id);

  // MANAGE_USERS: replaces a registered user's permissions; effective at once on this
  // replica, within the reload interval on others.
  absl::Status SetPermissions(const Principal& caller,
                              const std::string& id,
                              const PermissionSet& permissions);

  // Own password (needs the current one) or, with `force`, another user's (MANAGE_USERS).
  // Ends the user's other sessions.
  absl::Status ChangePassword(const Principal& caller,
                              const std::string& id,
                              const PasswordChange& change);

  // Mails a single-use reset token when the username and email match an account and SMTP is
  // configured. Always OK, so callers cannot tell which accounts exist; the mail is sent in
  // the background.
  absl::Status ForgotPassword(std::string_view username, std::string_view email);

  // Sets a new password with a token from `ForgotPassword` and ends every session of the
  // user. `kInvalidArgument` for an unknown, used or expired token.
  absl::Status ResetPassword(std::string_view token, std::string_view new_password);

  // Creates `admin` with ADMIN when no user holds ADMIN yet. Returns whether it did.
  absl::StatusOr<bool> EnsureInitialAdmin(const InitialAdmin& admin);

  // For the CLI: replaces the permissions of the registered user `username`.
  absl::StatusOr<User> SetPermissionsByUsername(std::string_view username,
                                                const PermissionSet& permissions);

  // The caller's effective permissions and when they last changed (0 for anonymous keys).
  absl::StatusOr<StoredPermissions> PermissionsOf(const Principal& caller);

  // Waits until queued mails are sent (tests, shutdown).
  void FlushMail();

private:
  absl::Status CheckAccess(const Principal& caller, const std::string& id) const;
  PermissionSet Reach(const Principal& caller) const;
  absl::Status CheckOutranks(const Principal& caller, const User& target) const;
  absl::Status KeepAnAdmin(const std::string& losing_user_id);
  absl::Status ExplainConflict(const NewAccount& account, absl::Status status);
  absl::Status StorePassword(const User& user,
                             std::string_view password,
                             const std::string& keep_session_id);
  absl::StatusOr<std::int64_t> RunCleaners(const std::string& id, bool data);
  void QueueResetMail(const User& user, const std::string& token);

  UserServiceDeps deps_;
  const UserServiceOptions options_;
  std::vector<UserDataCleaner*> cleaners_;
  std::unique_ptr<common::ThreadPool> mail_pool_;
};

}  // namespace hub::auth
