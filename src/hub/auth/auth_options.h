#pragma once

// Every knob of the auth module, filled from the `auth.*`, `smtp.*` and
// `http.trust_forwarded_for` settings (cli/config.cc). Defaults are the documented ones.

#include <chrono>
#include <cstddef>
#include <string>

#include "hub/auth/password_hasher.h"
#include "hub/auth/permission.h"
#include "hub/auth/rate_limiter.h"

namespace hub::auth {

struct SmtpOptions {
  // `smtp://host:port` or `smtps://host:port`; empty disables mail (reset by admins only).
  std::string url;
  std::string username;
  std::string password;
  std::string from = "ersilia-hub@localhost";
  std::chrono::milliseconds timeout{30'000};
};

// The first admin, created at start when no user holds ADMIN and a username is set.
struct InitialAdmin {
  std::string username;
  std::string email;
  std::string password;
  std::string first_name = "Admin";
  std::string last_name = "Admin";
};

struct AuthOptions {
  // Session lifetimes: upstream USER_SESSION_MAX_AGE_SECONDS / ANONYMOUS_SESSION_MAX_AGE_SECONDS.
  std::chrono::milliseconds user_session_max_age{300'000};
  std::chrono::milliseconds anonymous_session_max_age{48 * 3'600'000};
  // Push an active session's expiry forward (written at most once per half lifetime).
  bool sliding_sessions = false;
  // How long a cached session is trusted before the database is asked again.
  std::chrono::milliseconds session_cache_ttl{60'000};
  std::size_t session_cache_size = 100'000;

  PasswordHashOptions password;
  std::size_t password_min_length = 10;

  std::chrono::milliseconds permissions_reload{60'000};
  PermissionSet default_user_permissions{Permission::kViewModels, Permission::kSubmitWorkRequests};
  PermissionSet anonymous_permissions{Permission::kViewModels, Permission::kSubmitWorkRequests};

  std::chrono::milliseconds reset_token_ttl{3'600'000};
  // Link put into reset mails; `{token}` is replaced by the token. Empty: the mail shows the
  // token and how to use it.
  std::string password_reset_url;

  std::size_t max_api_keys_per_user = 100;

  RateLimiter::Limits rate_limits = {
      RateLimit{10, std::chrono::minutes(1)},  // login
      RateLimit{10, std::chrono::hours(1)},    // signup
      RateLimit{30, std::chrono::minutes(1)},  // anonymous login
      RateLimit{5, std::chrono::hours(1)},     // forgot password
  };
  // Use the first X-Forwarded-For address as the client (only behind a trusted proxy).
  bool trust_forwarded_for = false;

  InitialAdmin initial_admin;
  SmtpOptions smtp;
};

}  // namespace hub::auth
