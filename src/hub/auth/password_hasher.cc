#include "hub/auth/password_hasher.h"

#include <sodium.h>

#include <thread>

#include "fmt/format.h"

#include "hub/common/encoding.h"
#include "hub/common/random.h"
#include "hub/common/status_macros.h"
#include "hub/common/time_format.h"

namespace hub::auth {

class PasswordHasher::Slot final {
public:
  explicit Slot(const PasswordHasher& hasher) : hasher_(hasher) { status_ = hasher_.Acquire(); }

  ~Slot() {
    if (status_.ok()) {
      hasher_.Release();
    }
  }

  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;

  const absl::Status& status() const { return status_; }

private:
  const PasswordHasher& hasher_;
  absl::Status status_;
};

PasswordHasher::PasswordHasher(PasswordHashOptions options) : options_(std::move(options)) {
  HUB_CHECK(sodium_init() >= 0);
  std::size_t slots = options_.max_concurrent;
  if (slots == 0) {
    slots = std::max<std::size_t>(1, std::thread::hardware_concurrency());
  }
  {
    absl::MutexLock lock(&mu_);
    free_slots_ = slots;
  }
  auto dummy = Hash(common::RandomHexToken(16));
  HUB_CHECK(dummy.ok());
  dummy_hash_ = std::move(*dummy);
}

absl::Status PasswordHasher::Acquire() const {
  auto available = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return free_slots_ > 0;
  };
  absl::Duration wait = absl::Milliseconds(options_.max_wait.count());
  if (!mu_.LockWhenWithTimeout(absl::Condition(&available), wait)) {
    mu_.Unlock();
    return absl::UnavailableError("too many password checks at once; retry in a moment");
  }
  --free_slots_;
  mu_.Unlock();
  return absl::OkStatus();
}

void PasswordHasher::Release() const {
  absl::MutexLock lock(&mu_);
  ++free_slots_;
}

absl::StatusOr<std::string> PasswordHasher::Hash(std::string_view password) const {
  Slot slot(*this);
  HUB_RETURN_IF_ERROR(slot.status());
  char out[crypto_pwhash_STRBYTES];
  int rc = crypto_pwhash_str_alg(out, password.data(), password.size(), options_.ops_limit,
                                 options_.mem_limit, crypto_pwhash_ALG_ARGON2ID13);
  if (rc != 0) {
    return absl::UnavailableError("password hashing failed: out of memory");
  }
  return std::string(out);
}

bool PasswordHasher::VerifyArgon(std::string_view password, std::string_view stored) const {
  // libsodium wants a NUL-terminated string of at most STRBYTES.
  if (stored.size() >= crypto_pwhash_STRBYTES) {
    return false;
  }
  std::string terminated(stored);
  return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

absl::StatusOr<PasswordCheck> PasswordHasher::Verify(std::string_view password,
                                                     std::string_view stored,
                                                     const LegacyContext& legacy) const {
  if (stored.substr(0, kLegacyHashPrefix.size()) == kLegacyHashPrefix) {
    if (options_.legacy_salt.empty()) {
      return PasswordCheck::kMismatch;
    }
    std::string expected =
        LegacyHash(legacy.username, password, legacy.signup_at, options_.legacy_salt);
    bool match = common::ConstantTimeEquals(expected, stored);
    return match ? PasswordCheck::kMatchNeedsRehash : PasswordCheck::kMismatch;
  }

  Slot slot(*this);
  HUB_RETURN_IF_ERROR(slot.status());
  if (!VerifyArgon(password, stored)) {
    return PasswordCheck::kMismatch;
  }
  std::string terminated(stored);
  int rehash =
      crypto_pwhash_str_needs_rehash(terminated.c_str(), options_.ops_limit, options_.mem_limit);
  return rehash == 0 ? PasswordCheck::kMatch : PasswordCheck::kMatchNeedsRehash;
}

void PasswordHasher::VerifyDummy(std::string_view password) const {
  Slot slot(*this);
  if (slot.status().ok()) {
    (void)VerifyArgon(password, dummy_hash_);
  }
}

std::string PasswordHasher::LegacyHash(std::string_view username,
                                       std::string_view password,
                                       common::Micros signup_at,
                                       std::string_view salt) {
  std::string hour = common::FormatTimestamp(signup_at).substr(0, 13);
  std::string input = fmt::format("{}_{}_{}_{}", username, password, hour, salt);
  return std::string(kLegacyHashPrefix) + common::Md5Hex(input);
}

}  // namespace hub::auth
