#include "hub/auth/auth_module.h"

#include "hub/common/log.h"
#include "hub/common/status_macros.h"
#include "hub/common/strings.h"

namespace hub::auth {
namespace {

// Expired sessions and reset tokens are harmless (every use checks expiry); removing them
// hourly only keeps the tables small.
constexpr std::chrono::hours kCleanupInterval{1};

}  // namespace

AuthModule::AuthModule(store::Database& db,
                       const common::Clock& clock,
                       AuthOptions options,
                       MailSenderPtr mail,
                       std::unique_ptr<TokenSource> tokens)
    : options_(std::move(options)),
      clock_(clock),
      tokens_(tokens ? std::move(tokens) : std::make_unique<SystemTokenSource>()),
      mail_(std::move(mail)),
      user_repo_(db),
      session_repo_(db),
      api_key_repo_(db),
      reset_repo_(db) {
  hasher_ = std::make_unique<PasswordHasher>(options_.password);
  permission_cache_ = std::make_unique<PermissionCache>(user_repo_, clock_);

  SessionOptions session_options;
  session_options.user_max_age = options_.user_session_max_age;
  session_options.anonymous_max_age = options_.anonymous_session_max_age;
  session_options.sliding = options_.sliding_sessions;
  session_options.cache_ttl = options_.session_cache_ttl;
  session_options.cache_size = options_.session_cache_size;
  session_options.anonymous_permissions = options_.anonymous_permissions;
  sessions_ = std::make_unique<SessionService>(
      SessionServiceDeps{session_repo_, api_key_repo_, user_repo_, *permission_cache_, *hasher_,
                         clock_, *tokens_},
      session_options);

  api_keys_ = std::make_unique<ApiKeyService>(api_key_repo_, *sessions_, clock_, *tokens_,
                                              options_.max_api_keys_per_user);

  UserServiceOptions user_options;
  user_options.password_min_length = options_.password_min_length;
  user_options.default_permissions = options_.default_user_permissions;
  user_options.reset_token_ttl = options_.reset_token_ttl;
  user_options.password_reset_url = options_.password_reset_url;
  users_ = std::make_unique<UserService>(
      UserServiceDeps{user_repo_, reset_repo_, *sessions_, *permission_cache_, *hasher_, clock_,
                      *tokens_, mail_.get()},
      user_options);

  rate_limiter_ = std::make_unique<RateLimiter>(clock_, options_.rate_limits);
  runner_ = std::make_unique<PeriodicRunner>(clock_);
  runner_->Add("permission reload", options_.permissions_reload, [this] { ReloadPermissions(); });
  runner_->Add("expired session clean-up", kCleanupInterval, [this] { RemoveExpired(); });
}

AuthModule::~AuthModule() {
  Stop();
}

absl::Status AuthModule::Start(bool background) {
  HUB_RETURN_IF_ERROR(permission_cache_->Reload());
  HUB_RETURN_IF_ERROR(users_->EnsureInitialAdmin(options_.initial_admin).status());
  if (background) {
    runner_->Start();
  }
  return absl::OkStatus();
}

void AuthModule::Stop() {
  runner_->Stop();
  users_->FlushMail();
}

void AuthModule::ReloadPermissions() {
  absl::Status reloaded = permission_cache_->Reload();
  if (!reloaded.ok() && log::Every("auth.permission_reload", 60'000)) {
    HUB_LOG(warn, "permission reload failed; keeping the previous permissions",
            {"error", common::ToString(reloaded.message())});
  }
}

void AuthModule::RemoveExpired() {
  auto sessions = sessions_->DeleteExpired();
  auto tokens = reset_repo_.DeleteExpired(clock_.NowMicros());
  if (!sessions.ok() || !tokens.ok()) {
    absl::Status failed = sessions.ok() ? tokens.status() : sessions.status();
    HUB_LOG(warn, "expired session clean-up failed", {"error", common::ToString(failed.message())});
    return;
  }
  if (*sessions > 0 || *tokens > 0) {
    HUB_LOG(info, "expired sessions removed", {"sessions", *sessions}, {"reset_tokens", *tokens});
  }
}

}  // namespace hub::auth
