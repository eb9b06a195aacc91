#include "hub/auth/token_source.h"

#include "hub/common/random.h"

namespace hub::auth {

std::string SystemTokenSource::HexToken(std::size_t bytes) {
  return common::RandomHexToken(bytes);
}

std::string SystemTokenSource::Uuid() {
  return common::NewUuid();
}

}  // namespace hub::auth
