#include "hub/auth/user_service.h"

#include <thread>

#include "fmt/format.h"

#include "hub/auth/account_policy.h"
#include "hub/auth/credentials.h"
#include "hub/common/encoding.h"
#include "hub/common/log.h"
#include "hub/common/status_macros.h"
#include "hub/common/strings.h"

namespace hub::auth {
namespace {

constexpr char kBadResetToken[] = "reset token is invalid, already used or expired";

std::string ReplaceAll(std::string text, std::string_view from, std::string_view to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

}  // namespace

UserService::UserService(UserServiceDeps deps, UserServiceOptions options)
    : deps_(deps), options_(std::move(options)) {
  if (deps_.mail != nullptr) {
    mail_pool_ = std::make_unique<common::ThreadPool>(1, "mail");
  }
}

UserService::~UserService() {
  if (mail_pool_) {
    mail_pool_->Shutdown();
  }
}

void UserService::RegisterCleaner(UserDataCleaner* cleaner) {
  cleaners_.push_back(cleaner);
}

absl::Status UserService::ExplainConflict(const NewAccount& account, absl::Status status) {
  if (status.code() != absl::StatusCode::kAlreadyExists) {
    return status;
  }
  if (deps_.users.FindByEmail(account.email).ok()) {
    return absl::AlreadyExistsError("email is already registered to another account");
  }
  return absl::AlreadyExistsError("username is already taken; choose another one");
}

absl::StatusOr<User> UserService::CreateAccount(const NewAccount& account,
                                                const PermissionSet& permissions) {
  HUB_RETURN_IF_ERROR(ValidateAccount(account, options_.password_min_length));
  // A clear answer for the common case before paying for a hash; the unique keys decide.
  if (deps_.users.FindByUsername(account.username).ok()) {
    return absl::AlreadyExistsError("username is already taken; choose another one");
  }
  if (deps_.users.FindByEmail(account.email).ok()) {
    return absl::AlreadyExistsError("email is already registered to another account");
  }
  HUB_ASSIGN_OR_RETURN(std::string hash, deps_.hasher.Hash(account.password));

  common::Micros now = deps_.clock.NowMicros();
  User user;
  user.id = deps_.tokens.Uuid();
  user.kind = IdentityKind::kUser;
  user.username = account.username;
  user.first_name = std::string(common::Trim(account.first_name));
  user.last_name = std::string(common::Trim(account.last_name));
  user.email = account.email;
  user.permissions = permissions;
  user.permissions_updated_at = now;
  user.signup_at = now;
  user.updated_at = now;
  HUB_RETURN_IF_ERROR(ExplainConflict(account, deps_.users.InsertUser(user, hash)));
  deps_.permissions.Put({user.id, permissions, now});
  HUB_LOG(info, "user created", {"user_id", user.id});
  return user;
}

absl::StatusOr<User> UserService::Signup(const NewAccount& account) {
  return CreateAccount(account, options_.default_permissions);
}

absl::Status UserService::CheckAccess(const Principal& caller, const std::string& id) const {
  if (caller.IsSelfOr(id, Permission::kManageUsers)) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(
      "you may only act on your own user; other users need the MANAGE_USERS permission");
}

PermissionSet UserService::Reach(const Principal& caller) const {
  // What every new account gets is no privilege: anyone may grant it or act on it.
  return caller.permissions.With(options_.default_permissions);
}

absl::Status UserService::CheckOutranks(const Principal& caller, const User& target) const {
  if (caller.user_id == target.id || Reach(caller).Covers(target.permissions)) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(
      "this user holds permissions you do not have; only a user holding them (or ADMIN) may "
      "change it");
}

absl::Status UserService::KeepAnAdmin(const std::string& losing_user_id) {
  HUB_ASSIGN_OR_RETURN(std::vector<StoredPermissions> holders, deps_.users.UsersWithPermissions());
  for (const StoredPermissions& holder : holders) {
    if (holder.user_id != losing_user_id && holder.permissions.Contains(Permission::kAdmin)) {
      return absl::OkStatus();
    }
  }
  return absl::FailedPreconditionError(
      "this is the last user holding ADMIN; grant ADMIN to another user first");
}

absl::StatusOr<User> UserService::Get(const Principal& caller, const std::string& id) {
  HUB_RETURN_IF_ERROR(CheckAccess(caller, id));
  return deps_.users.FindById(id);
}

absl::StatusOr<std::vector<User>> UserService::List(const Principal& caller,
                                                    const UserFilter& filter) {
  if (!caller.Has(Permission::kManageUsers)) {
    return absl::PermissionDeniedError("listing users needs the MANAGE_USERS permission");
  }
  return deps_.users.List(filter);
}

absl::StatusOr<std::int64_t> UserService::RunCleaners(const std::string& id, bool data) {
  std::int64_t total = 0;
  for (UserDataCleaner* cleaner : cleaners_) {
    auto deleted = data ? cleaner->ClearData(id) : cleaner->ClearContributions(id);
    if (!deleted.ok()) {
      return absl::Status(deleted.status().code(),
                          fmt::format("clearing {} failed: {}", cleaner->name(),
                                      common::ToString(deleted.status().message())));
    }
    total += *deleted;
  }
  return total;
}

absl::StatusOr<std::int64_t> UserService::ClearData(const Principal& caller,
                                                    const std::string& id) {
  HUB_RETURN_IF_ERROR(CheckAccess(caller, id));
  HUB_ASSIGN_OR_RETURN(User user, deps_.users.FindById(id));
  HUB_RETURN_IF_ERROR(CheckOutranks(caller, user));
  return RunCleaners(id, true);
}

absl::StatusOr<std::int64_t> UserService::ClearContributions(const Principal& caller,
                                                             const std::string& id) {
  HUB_RETURN_IF_ERROR(CheckAccess(caller, id));
  HUB_ASSIGN_OR_RETURN(User user, deps_.users.FindById(id));
  HUB_RETURN_IF_ERROR(CheckOutranks(caller, user));
  return RunCleaners(id, false);
}

absl::Status UserService::Delete(const Principal& caller, const std::string& id) {
  HUB_RETURN_IF_ERROR(CheckAccess(caller, id));
  HUB_ASSIGN_OR_RETURN(User user, deps_.users.FindById(id));
  HUB_RETURN_IF_ERROR(CheckOutranks(caller, user));
  if (user.permissions.Contains(Permission::kAdmin)) {
    HUB_RETURN_IF_ERROR(KeepAnAdmin(id));
  }

  HUB_RETURN_IF_ERROR(RunCleaners(id, true).status());
  HUB_RETURN_IF_ERROR(RunCleaners(id, false).status());
  HUB_ASSIGN_OR_RETURN(bool deleted, deps_.users.Delete(id));
  deps_.sessions.ForgetUser(id);
  if (!deleted) {
    return absl::NotFoundError("user not found");
  }
  HUB_LOG(info, "user deleted", {"user_id", id}, {"by", caller.user_id});
  return absl::OkStatus();
}

absl::Status UserService::SetPermissions(const Principal& caller,
                                         const std::string& id,
                                         const PermissionSet& permissions) {
  if (!caller.Has(Permission::kManageUsers)) {
    return absl::PermissionDeniedError("setting permissions needs the MANAGE_USERS permission");
  }
  HUB_ASSIGN_OR_RETURN(User user, deps_.users.FindById(id));
  if (user.kind == IdentityKind::kAnonymous) {
    return absl::FailedPreconditionError(
        "anonymous identities get their permissions from the auth.anonymous_permissions setting");
  }
  if (!Reach(caller).Covers(user.permissions) || !Reach(caller).Covers(permissions)) {
    return absl::PermissionDeniedError(
        "you can only grant or remove permissions you hold yourself");
  }
  bool loses_admin =
      user.permissions.Contains(Permission::kAdmin) && !permissions.Contains(Permission::kAdmin);
  if (loses_admin) {
    HUB_RETURN_IF_ERROR(KeepAnAdmin(id));
  }

  common::Micros now = deps_.clock.NowMicros();
  HUB_ASSIGN_OR_RETURN(bool updated, deps_.users.SetPermissions(id, permissions, now));
  if (!updated) {
    return absl::NotFoundError("user not found");
  }
  deps_.permissions.Put({id, permissions, now});
  HUB_LOG(info, "permissions changed", {"user_id", id}, {"by", caller.user_id},
          {"permissions", permissions.ToJson()});
  return absl::OkStatus();
}

absl::StatusOr<User> UserService::SetPermissionsByUsername(std::string_view username,
                                                           const PermissionSet& permissions) {
  HUB_ASSIGN_OR_RETURN(UserWithPassword found, deps_.users.FindByUsername(std::string(username)));
  common::Micros now = deps_.clock.NowMicros();
  HUB_RETURN_IF_ERROR(deps_.users.SetPermissions(found.user.id, permissions, now).status());
  deps_.permissions.Put({found.user.id, permissions, now});
  found.user.permissions = permissions;
  found.user.permissions_updated_at = now;
  return found.user;
}

absl::Status UserService::StorePassword(const User& user,
                                        std::string_view password,
                                        const std::string& keep_session_id) {
  HUB_RETURN_IF_ERROR(
      ValidatePassword("new_password", password, user.username, options_.password_min_length));
  HUB_ASSIGN_OR_RETURN(std::string hash, deps_.hasher.Hash(password));
  HUB_ASSIGN_OR_RETURN(bool updated,
                       deps_.users.SetPasswordHash(user.id, hash, deps_.clock.NowMicros()));
  if (!updated) {
    return absl::NotFoundError("user not found");
  }
  return deps_.sessions.EndSessions(user.id, keep_session_id);
}

absl::Status UserService::ChangePassword(const Principal& caller,
                                         const std::string& id,
                                         const PasswordChange& change) {
  if (change.force ? !caller.Has(Permission::kManageUsers) : caller.user_id != id) {
    return absl::PermissionDeniedError(
        change.force ? "force=true needs the MANAGE_USERS permission"
                     : "you may only change your own password; with MANAGE_USERS, set another "
                       "user's with force=true");
  }
  HUB_ASSIGN_OR_RETURN(UserWithPassword target, deps_.users.FindByIdWithPassword(id));
  if (target.user.kind == IdentityKind::kAnonymous) {
    return absl::FailedPreconditionError("anonymous identities have no password");
  }
  std::string keep = caller.user_id == id && caller.credential == CredentialKind::kSession
                         ? caller.credential_id
                         : "";
  if (change.force) {
    HUB_RETURN_IF_ERROR(CheckOutranks(caller, target.user));
    return StorePassword(target.user, change.new_password, keep);
  }

  if (!change.current_password || change.current_password->empty()) {
    return absl::InvalidArgumentError("current_password is required to change your own password");
  }
  HUB_ASSIGN_OR_RETURN(PasswordCheck check,
                       deps_.hasher.Verify(*change.current_password, target.password_hash,
                                           {target.user.username, target.user.signup_at}));
  if (check == PasswordCheck::kMismatch) {
    return absl::PermissionDeniedError("current_password is wrong");
  }
  return StorePassword(target.user, change.new_password, keep);
}

void UserService::QueueResetMail(const User& user, const std::string& token) {
  std::int64_t minutes = std::max<std::int64_t>(1, options_.reset_token_ttl.count() / 60'000);
  std::string within = fmt::format("within {} minute{}", minutes, minutes == 1 ? "" : "s");
  std::string how = options_.password_reset_url.empty()
                        ? fmt::format(
                              "Send this token with your new password to POST "
                              "/api/users/reset-password {}:\n\n{}\n",
                              within, token)
                        : fmt::format("Open this link {} to choose a new password:\n\n{}\n", within,
                                      ReplaceAll(options_.password_reset_url, "{token}", token));
  MailMessage message{*user.email, "Reset your Ersilia Hub password",
                      fmt::format("Someone (hopefully you) asked to reset the password of the "
                                  "Ersilia Hub account '{}'.\n\n{}\nThe token works once. If you "
                                  "did not ask for this, ignore this mail; your password stays "
                                  "as it is.\n",
                                  user.username, how)};
  MailSender* mail = deps_.mail;
  std::string user_id = user.id;
  mail_pool_->Submit([mail, message = std::move(message), user_id] {
    absl::Status sent = mail->Send(message);
    if (!sent.ok()) {
      HUB_LOG(warn, "password reset mail not sent", {"user_id", user_id},
              {"error", common::ToString(sent.message())});
      return;
    }
    HUB_LOG(info, "password reset mail sent", {"user_id", user_id});
  });
}

absl::Status UserService::ForgotPassword(std::string_view username, std::string_view email) {
  if (username.size() > kMaxUsernameLength || email.size() > kMaxEmailLength) {
    return absl::OkStatus();
  }
  auto found = deps_.users.FindByUsername(std::string(username));
  if (!found.ok()) {
    return absl::IsNotFound(found.status()) ? absl::OkStatus() : found.status();
  }
  const User& user = found->user;
  if (!user.email || common::ToLower(*user.email) != common::ToLower(email)) {
    return absl::OkStatus();
  }
  if (deps_.mail == nullptr) {
    HUB_LOG(warn,
            "password reset requested but SMTP is not configured; an admin must set a "
            "new password",
            {"user_id", user.id});
    return absl::OkStatus();
  }

  std::string token = deps_.tokens.HexToken(32);
  common::Micros now = deps_.clock.NowMicros();
  HUB_RETURN_IF_ERROR(
      deps_.reset_tokens.Insert({common::Sha256Hex(token), user.id, now,
                                 now + options_.reset_token_ttl.count() * 1000, std::nullopt}));
  QueueResetMail(user, token);
  return absl::OkStatus();
}

absl::Status UserService::ResetPassword(std::string_view token, std::string_view new_password) {
  if (!IsSessionTokenForm(token)) {
    return absl::InvalidArgumentError(kBadResetToken);
  }
  std::string hash = common::Sha256Hex(token);
  common::Micros now = deps_.clock.NowMicros();
  auto record = deps_.reset_tokens.Find(hash);
  if (absl::IsNotFound(record.status())) {
    return absl::InvalidArgumentError(kBadResetToken);
  }
  HUB_RETURN_IF_ERROR(record.status());
  if (record->used_at || record->expires_at <= now) {
    return absl::InvalidArgumentError(kBadResetToken);
  }
  HUB_ASSIGN_OR_RETURN(User user, deps_.users.FindById(record->user_id));
  // Check the password before spending the token, so a rejected one can be retried.
  HUB_RETURN_IF_ERROR(
      ValidatePassword("new_password", new_password, user.username, options_.password_min_length));
  HUB_ASSIGN_OR_RETURN(bool consumed, deps_.reset_tokens.Consume(hash, now));
  if (!consumed) {
    return absl::InvalidArgumentError(kBadResetToken);
  }
  HUB_RETURN_IF_ERROR(StorePassword(user, new_password, ""));
  HUB_LOG(info, "password reset with an emailed token", {"user_id", user.id});
  return absl::OkStatus();
}

absl::StatusOr<bool> UserService::EnsureInitialAdmin(const InitialAdmin& admin) {
  if (admin.username.empty()) {
    return false;
  }
  HUB_ASSIGN_OR_RETURN(std::vector<StoredPermissions> holders, deps_.users.UsersWithPermissions());
  for (const StoredPermissions& holder : holders) {
    if (holder.permissions.Contains(Permission::kAdmin)) {
      return false;
    }
  }
  if (deps_.users.FindByUsername(admin.username).ok()) {
    HUB_LOG(warn, "auth.initial_admin.username exists but holds no ADMIN; not changing it");
    return false;
  }
  NewAccount account{admin.username, admin.first_name, admin.last_name, admin.email,
                     admin.password};
  auto created = CreateAccount(account, PermissionSet{Permission::kAdmin});
  if (!created.ok()) {
    return absl::Status(
        created.status().code(),
        fmt::format("auth.initial_admin: {}", common::ToString(created.status().message())));
  }
  HUB_LOG(info, "initial admin created", {"user_id", created->id});
  return true;
}

absl::StatusOr<StoredPermissions> UserService::PermissionsOf(const Principal& caller) {
  if (caller.anonymous()) {
    return StoredPermissions{caller.user_id, caller.permissions, 0};
  }
  return deps_.permissions.Get(caller.user_id);
}

void UserService::FlushMail() {
  while (mail_pool_ && mail_pool_->Pending() > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace hub::auth
