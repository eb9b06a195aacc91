#include "hub/jobs/singleton_lease.h"

#include "hub/common/status_macros.h"

namespace hub::jobs {
namespace {

constexpr char kInsert[] =
    "INSERT INTO {schema}.singleton_leases (name, holder, expires_at) VALUES ($1, $2, $3) "
    "ON CONFLICT (name) DO NOTHING";
constexpr char kTake[] =
    "UPDATE {schema}.singleton_leases SET holder = $2, expires_at = $3 WHERE name = $1 AND "
    "(holder = $2 OR expires_at < $4)";
constexpr char kRelease[] =
    "UPDATE {schema}.singleton_leases SET expires_at = 0 WHERE name = $1 AND holder = $2";

}  // namespace

absl::StatusOr<bool> SingletonLease::Acquire() {
  common::Micros now = clock_.NowMicros();
  common::Micros expires = now + ttl_.count() * 1000;
  HUB_ASSIGN_OR_RETURN(auto inserted, db_.Exec(kInsert, {name_, holder_, expires}));
  if (inserted.affected_rows() == 1) {
    return true;
  }
  HUB_ASSIGN_OR_RETURN(auto taken, db_.Exec(kTake, {name_, holder_, expires, now}));
  return taken.affected_rows() == 1;
}

absl::Status SingletonLease::Release() {
  return db_.Exec(kRelease, {name_, holder_}).status();
}

}  // namespace hub::jobs
