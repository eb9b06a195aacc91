#pragma once

// `ersilia-hub user ...`: account administration from the command line, for bootstrapping
// an admin and for operators with access to the hub's configuration and database.
//
//   ersilia-hub user create [--admin] --username U --email E --first-name F --last-name L
//                           [--password-file FILE]     (else the password is read from stdin)
//   ersilia-hub user set-permissions USERNAME PERM,PERM...
//
// Both take the shared configuration flags (`--config`, `--set`, `--data-dir`, ...) to find
// the database, and apply pending migrations first when `database.migrate_on_start` is on.
// A running hub picks up permission changes made here within `auth.permissions_reload`.

#include <string>
#include <vector>

#include "hub/cli/commands.h"

namespace CLI {  // NOLINT(readability-identifier-naming): CLI11 names it
class App;
}  // namespace CLI

namespace hub::cli {

class UserCommand final {
public:
  // Registers `user` and its subcommands on `app`, which must outlive this object.
  explicit UserCommand(CLI::App& app);

  UserCommand(const UserCommand&) = delete;
  UserCommand& operator=(const UserCommand&) = delete;

  // True when the command line chose `user ...`.
  bool parsed() const;

  // Runs the chosen subcommand; 0 on success, 1 on a runtime failure, 2 on a usage,
  // configuration or validation error.
  int Run() const;

private:
  int RunCreate() const;
  int RunSetPermissions() const;

  CLI::App* user_ = nullptr;
  CLI::App* create_ = nullptr;
  CLI::App* set_permissions_ = nullptr;
  ConfigFlags config_;
  bool admin_ = false;
  std::string username_;
  std::string email_;
  std::string first_name_;
  std::string last_name_;
  std::string password_file_;
  std::string permissions_;
};

}  // namespace hub::cli
