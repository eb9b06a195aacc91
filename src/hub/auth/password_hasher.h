#pragma once

// Password hashing: argon2id through libsodium for every new hash, and verification of the
// upstream's legacy scheme so imported accounts keep working until their first login
// re-hashes them.
//
// Stored forms:
//   `$argon2id$v=19$m=...,t=...,p=1$<salt>$<hash>` (libsodium's `crypto_pwhash_str`);
//   `legacy-md5$<hex>`: MD5 of `<username>_<password>_<signup hour YYYY-MM-DDTHH>_<salt>` with
//   the upstream's global `PASSWORD_SALT` (upstream-server.md §3.3).
// Comparisons are constant-time. At most `max_concurrent` hashes or verifications run at once
// (each argon2id call holds `mem_limit` bytes), so a burst of logins queues instead of
// exhausting memory.
//
// Thread-safety: every method is thread-safe.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

#include "hub/common/clock.h"

namespace hub::auth {

inline constexpr std::string_view kLegacyHashPrefix = "legacy-md5$";

struct PasswordHashOptions {
  // argon2id passes and memory; the defaults are libsodium's INTERACTIVE limits. Tests use
  // 1 and 8 KiB (libsodium's minimums).
  std::uint64_t ops_limit = 2;
  std::size_t mem_limit = 64 << 20;
  // Hashes running at once; 0 means the number of cores.
  std::size_t max_concurrent = 0;
  // How long a caller waits for a free slot before `kUnavailable`.
  std::chrono::milliseconds max_wait{10'000};
  // The upstream `PASSWORD_SALT`; empty disables legacy verification.
  std::string legacy_salt;
};

// What `Verify` found.
enum class PasswordCheck {
  kMismatch,
  kMatch,
  // The password is right, but the stored hash is legacy or has other costs: store `Hash`.
  kMatchNeedsRehash,
};

// The facts a legacy hash was computed from.
struct LegacyContext {
  std::string username;
  common::Micros signup_at = 0;
};

class PasswordHasher final {
public:
  // REQUIRES: `options` within libsodium's limits (the settings enforce them).
  explicit PasswordHasher(PasswordHashOptions options);

  PasswordHasher(const PasswordHasher&) = delete;
  PasswordHasher& operator=(const PasswordHasher&) = delete;

  // An argon2id hash of `password` with a fresh salt. `kUnavailable` when no slot frees up
  // in time or libsodium cannot allocate its memory.
  absl::StatusOr<std::string> Hash(std::string_view password) const;

  // Checks `password` against `stored`. An unrecognised stored form is a mismatch.
  // `kUnavailable` as for `Hash`.
  absl::StatusOr<PasswordCheck> Verify(std::string_view password,
                                       std::string_view stored,
                                       const LegacyContext& legacy) const;

  // Spends the time of one verification without a real hash, so that a login for an unknown
  // user takes as long as one with a wrong password.
  void VerifyDummy(std::string_view password) const;

  // The legacy stored form for these inputs (for imports and tests).
  static std::string LegacyHash(std::string_view username,
                                std::string_view password,
                                common::Micros signup_at,
                                std::string_view salt);

private:
  // Holds one of the `max_concurrent` slots while alive.
  class Slot;

  absl::Status Acquire() const;
  void Release() const;
  bool VerifyArgon(std::string_view password, std::string_view stored) const;

  PasswordHashOptions options_;
  std::string dummy_hash_;
  mutable absl::Mutex mu_;
  mutable std::size_t free_slots_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace hub::auth
