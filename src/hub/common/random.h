#pragma once

#include <cstddef>
#include <string>

namespace hub::common {

// Cryptographically secure random data from the kernel (`getrandom`). Thread-safe.

// Returns `n` random bytes.
std::string RandomBytes(size_t n);

// Returns a random token of `bytes` bytes encoded as lower-case hex (2 * `bytes` characters).
std::string RandomHexToken(size_t bytes);

// Returns a random RFC 4122 version-4 UUID in lower-case canonical form.
std::string NewUuid();

// Returns true when `text` is a UUID in canonical 8-4-4-4-12 hex form, in either case.
bool IsUuid(std::string_view text);

}  // namespace hub::common
