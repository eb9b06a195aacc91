#pragma once

// Where secrets and ids come from, behind an interface so tests can make them predictable.

#include <cstddef>
#include <string>

namespace hub::auth {

// Thread-safe implementations only.
class TokenSource {
public:
  virtual ~TokenSource() = default;

  // `bytes` random bytes as lower-case hex (2 * `bytes` characters).
  virtual std::string HexToken(std::size_t bytes) = 0;

  // A fresh RFC 4122 version-4 UUID in canonical lower-case form.
  virtual std::string Uuid() = 0;
};

// The kernel CSPRNG (`getrandom`).
class SystemTokenSource final : public TokenSource {
public:
  std::string HexToken(std::size_t bytes) override;
  std::string Uuid() override;
};

}  // namespace hub::auth
