#include "hub/cli/user_command.h"

#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>

#include "fmt/format.h"

#include "hub/auth/auth_module.h"
#include "hub/cli/hub_app.h"
#include "hub/common/clock.h"
#include "hub/common/status_macros.h"
#include "hub/common/strings.h"
#include "hub/store/migrator.h"
#include "hub/store/open_database.h"

#include "CLI/CLI.hpp"

namespace hub::cli {
namespace {

constexpr int kUsageError = 2;
constexpr int kRuntimeError = 1;

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "ersilia-hub: %s\n", common::ToString(status.message()).c_str());
  bool usage = status.code() == absl::StatusCode::kInvalidArgument ||
               status.code() == absl::StatusCode::kAlreadyExists ||
               status.code() == absl::StatusCode::kNotFound;
  return usage ? kUsageError : kRuntimeError;
}

std::string WithoutLineEnd(std::string line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
    line.pop_back();
  }
  return line;
}

// Reads a line from the terminal without echoing it.
std::string Prompt(const char* text) {
  std::fprintf(stderr, "%s", text);
  termios old_mode{};
  tcgetattr(STDIN_FILENO, &old_mode);
  termios quiet = old_mode;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  std::string line;
  std::getline(std::cin, line);
  tcsetattr(STDIN_FILENO, TCSANOW, &old_mode);
  std::fprintf(stderr, "\n");
  return WithoutLineEnd(line);
}

absl::StatusOr<std::string> ReadPassword(const std::string& file) {
  std::string line;
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in || !std::getline(in, line)) {
      return absl::InvalidArgumentError(fmt::format("cannot read a password from {}", file));
    }
    return WithoutLineEnd(line);
  }
  if (isatty(STDIN_FILENO) != 0) {
    std::string first = Prompt("Password: ");
    if (Prompt("Repeat password: ") != first) {
      return absl::InvalidArgumentError("the passwords differ");
    }
    return first;
  }
  if (!std::getline(std::cin, line)) {
    return absl::InvalidArgumentError("no password on stdin (or use --password-file)");
  }
  return WithoutLineEnd(line);
}

// The configured database, migrated as `serve` would.
absl::StatusOr<store::DatabasePtr> OpenMigrated(const HubConfig& config) {
  HUB_ASSIGN_OR_RETURN(store::DatabasePtr db, store::OpenDatabase(DatabaseOptionsFor(config)));
  store::Migrator migrator(*db, store::BuiltinMigrations(db->dialect()),
                           common::SystemClock::Instance());
  if (config.database.migrate_on_start) {
    HUB_RETURN_IF_ERROR(migrator.Apply().status());
  } else {
    HUB_ASSIGN_OR_RETURN(bool current, migrator.IsUpToDate());
    if (!current) {
      return absl::FailedPreconditionError(
          "database migrations are pending; run `ersilia-hub migrate`");
    }
  }
  return db;
}

void AddAccountFlags(CLI::App& command, std::string& username) {
  command.add_option("--username", username, "login name")->required();
}

}  // namespace

UserCommand::UserCommand(CLI::App& app) {
  user_ = app.add_subcommand("user", "create users and set permissions");
  user_->require_subcommand(1);

  create_ = user_->add_subcommand("create", "create a user (password from stdin)");
  AddConfigFlags(*create_, config_);
  AddAccountFlags(*create_, username_);
  create_->add_option("--email", email_, "email address")->required();
  create_->add_option("--first-name", first_name_, "first name")->required();
  create_->add_option("--last-name", last_name_, "last name")->required();
  create_->add_flag("--admin", admin_, "grant ADMIN (else auth.default_user_permissions)");
  create_->add_option("--password-file", password_file_, "read the password from this file");

  set_permissions_ = user_->add_subcommand("set-permissions", "replace a user's permissions");
  AddConfigFlags(*set_permissions_, config_);
  set_permissions_->add_option("username", username_, "the user")->required();
  set_permissions_
      ->add_option("permissions", permissions_,
                   "comma-separated, e.g. MANAGE_MODELS,VIEW_MODELS (empty string for none)")
      ->required();
}

bool UserCommand::parsed() const {
  return user_->parsed();
}

int UserCommand::Run() const {
  return create_->parsed() ? RunCreate() : RunSetPermissions();
}

int UserCommand::RunCreate() const {
  auto config = LoadConfig(config_);
  if (!config.ok()) {
    return Fail(config.status());
  }
  log::Init(config->log.format, log::Level::kWarn, config->log.file);
  auto password = ReadPassword(password_file_);
  if (!password.ok()) {
    return Fail(password.status());
  }
  auto db = OpenMigrated(*config);
  if (!db.ok()) {
    return Fail(db.status());
  }
  auth::AuthModule auth(**db, common::SystemClock::Instance(), config->auth, nullptr);
  auth::PermissionSet permissions = admin_ ? auth::PermissionSet{auth::Permission::kAdmin}
                                           : config->auth.default_user_permissions;
  auto user = auth.users().CreateAccount({username_, first_name_, last_name_, email_, *password},
                                         permissions);
  if (!user.ok()) {
    return Fail(user.status());
  }
  std::cout << fmt::format("created user {} ({}) with permissions {}\n", user->username, user->id,
                           user->permissions.ToJson());
  return 0;
}

int UserCommand::RunSetPermissions() const {
  auto config = LoadConfig(config_);
  if (!config.ok()) {
    return Fail(config.status());
  }
  log::Init(config->log.format, log::Level::kWarn, config->log.file);
  auto permissions = auth::PermissionSet::FromList(permissions_);
  if (!permissions.ok()) {
    return Fail(permissions.status());
  }
  auto db = OpenMigrated(*config);
  if (!db.ok()) {
    return Fail(db.status());
  }
  auth::AuthModule auth(**db, common::SystemClock::Instance(), config->auth, nullptr);
  auto user = auth.users().SetPermissionsByUsername(username_, *permissions);
  if (!user.ok()) {
    return Fail(user.status());
  }
  std::cout << fmt::format("{} now has permissions {}\n", user->username,
                           user->permissions.ToJson());
  return 0;
}

}  // namespace hub::cli
