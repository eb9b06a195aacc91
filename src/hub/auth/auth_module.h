#pragma once

// The auth module assembled: repositories, password hasher, caches, services, rate limiter
// and the background thread that reloads permissions and removes expired sessions. The
// composition root (`cli::HubApp`, the `user` command, tests) builds one and hands its
// services to the API layer.
//
// Thread-safety: the services are thread-safe; `Start` and `Stop` are called from one thread.
// `db` and `clock` must outlive the module.

#include <memory>

#include "absl/status/status.h"

#include "hub/auth/api_key_repository.h"
#include "hub/auth/api_key_service.h"
#include "hub/auth/auth_options.h"
#include "hub/auth/mail_sender.h"
#include "hub/auth/password_hasher.h"
#include "hub/auth/periodic_runner.h"
#include "hub/auth/permission_cache.h"
#include "hub/auth/rate_limiter.h"
#include "hub/auth/reset_token_repository.h"
#include "hub/auth/session_repository.h"
#include "hub/auth/session_service.h"
#include "hub/auth/token_source.h"
#include "hub/auth/user_repository.h"
#include "hub/auth/user_service.h"
#include "hub/common/clock.h"
#include "hub/store/database.h"

namespace hub::auth {

class AuthModule final {
public:
  // `mail` may be null (no SMTP); `tokens` null means the kernel CSPRNG.
  AuthModule(store::Database& db,
             const common::Clock& clock,
             AuthOptions options,
             MailSenderPtr mail,
             std::unique_ptr<TokenSource> tokens = nullptr);
  ~AuthModule();

  AuthModule(const AuthModule&) = delete;
  AuthModule& operator=(const AuthModule&) = delete;

  // Loads the permission cache, creates the initial admin when configured and needed, and
  // (with `background`) starts the reload / clean-up thread. Errors: the database's, or the
  // initial admin's validation naming `auth.initial_admin`.
  absl::Status Start(bool background = true);

  // Stops the background thread and sends queued mail. Idempotent.
  void Stop();

  SessionService& sessions() { return *sessions_; }

  UserService& users() { return *users_; }

  ApiKeyService& api_keys() { return *api_keys_; }

  RateLimiter& rate_limiter() { return *rate_limiter_; }

  PermissionCache& permission_cache() { return *permission_cache_; }

  PeriodicRunner& background() { return *runner_; }

  const AuthOptions& options() const { return options_; }

private:
  void ReloadPermissions();
  void RemoveExpired();

  const AuthOptions options_;
  const common::Clock& clock_;
  std::unique_ptr<TokenSource> tokens_;
  MailSenderPtr mail_;
  UserRepository user_repo_;
  SessionRepository session_repo_;
  ApiKeyRepository api_key_repo_;
  ResetTokenRepository reset_repo_;
  std::unique_ptr<PasswordHasher> hasher_;
  std::unique_ptr<PermissionCache> permission_cache_;
  std::unique_ptr<SessionService> sessions_;
  std::unique_ptr<ApiKeyService> api_keys_;
  std::unique_ptr<UserService> users_;
  std::unique_ptr<RateLimiter> rate_limiter_;
  std::unique_ptr<PeriodicRunner> runner_;
};

}  // namespace hub::auth
