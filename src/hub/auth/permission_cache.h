#pragma once

// Registered users' permissions in memory, so permission checks never wait for the
// database.
//
// `Reload` replaces the table with every registered user's stored permissions (run at start
// and then every `reload_interval` by a `PeriodicRunner`); `Put` / `Erase` apply a change made
// by this replica at once. A user missing from the table (created on another replica since
// the last reload) is read from the database on first use and remembered. Reloads never undo
// a newer local change: entries are merged by their `updated_at`.
//
// Anonymous identities are not kept here; their permissions come from configuration.
//
// Thread-safety: thread-safe. `users` and `clock` must outlive the cache.

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

#include "hub/auth/user_repository.h"
#include "hub/common/clock.h"

namespace hub::auth {

class PermissionCache final {
public:
  PermissionCache(UserRepository& users, const common::Clock& clock);

  PermissionCache(const PermissionCache&) = delete;
  PermissionCache& operator=(const PermissionCache&) = delete;

  // Replaces the table from the database. On error the old table stays.
  absl::Status Reload();

  // The permissions of registered user `user_id`. `kNotFound` when no such registered user
  // exists; database errors on a miss.
  absl::StatusOr<StoredPermissions> Get(const std::string& user_id);

  // Records a change this replica made (or a new user).
  void Put(StoredPermissions entry);

  void Erase(const std::string& user_id);

  size_t size() const;

private:
  UserRepository& users_;
  const common::Clock& clock_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, StoredPermissions> entries_ ABSL_GUARDED_BY(mu_);
  // Users erased locally since the last reload began, with when (so a reload that read them
  // before their deletion does not bring them back).
  absl::flat_hash_map<std::string, common::Micros> erased_ ABSL_GUARDED_BY(mu_);
};

}  // namespace hub::auth
