#pragma once

// Versioned schema migrations (see `migrator.h` for how they are applied and
// `migrations/README.md` for how to write one).

#include <string>
#include <vector>

#include "hub/store/database.h"

namespace hub::store {

// One schema change: SQL statements for one backend, run as a script (see
// `Transaction::ExecScript`).
struct Migration {
  // Positive and unique; applied in increasing order.
  int version = 0;
  // Lower-case words joined by `_`, e.g. "servers".
  std::string name;
  std::string sql;

  // Lower-case hex SHA-256 of `sql`, as recorded in the ledger.
  std::string Checksum() const;

  // "0001 'servers'", for messages.
  std::string Label() const;
};

// The migrations compiled into this binary for `dialect`, by increasing version.
std::vector<Migration> BuiltinMigrations(Dialect dialect);

}  // namespace hub::store
