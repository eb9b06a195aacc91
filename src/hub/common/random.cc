#include "hub/common/random.h"

#include <sys/random.h>

#include <cerrno>
#include <string_view>

#include "hub/common/encoding.h"
#include "hub/common/status_macros.h"

namespace hub::common {

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  size_t filled = 0;
  while (filled < n) {
    ssize_t got = getrandom(out.data() + filled, n - filled, 0);
    if (got >= 0) {
      filled += static_cast<size_t>(got);
      continue;
    }
    // Only EINTR can happen once the kernel's pool is initialised.
    HUB_CHECK(errno == EINTR);
  }
  return out;
}

std::string RandomHexToken(size_t bytes) {
  return HexEncode(RandomBytes(bytes));
}

std::string NewUuid() {
  std::string raw = RandomBytes(16);
  raw[6] = static_cast<char>((raw[6] & 0x0f) | 0x40);
  raw[8] = static_cast<char>((raw[8] & 0x3f) | 0x80);
  std::string hex = HexEncode(raw);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

bool IsUuid(std::string_view text) {
  if (text.size() != 36) {
    return false;
  }
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash_position) {
      if (c != '-') {
        return false;
      }
      continue;
    }
    bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!hex) {
      return false;
    }
  }
  return true;
}

}  // namespace hub::common
