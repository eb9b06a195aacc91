#include "hub/common/encoding.h"

#include <array>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "hub/common/status_macros.h"

namespace hub::common {
namespace {

// A digest algorithm fetched once, and one context per thread for it. OpenSSL 3 looks an
// algorithm up (under a lock) and allocates a context on every `EVP_Digest(..., EVP_md5())`;
// the hub hashes every input row, so both are kept.
class Hasher {
public:
  explicit Hasher(const char* algorithm)
      : md_(EVP_MD_fetch(nullptr, algorithm, nullptr)), ctx_(EVP_MD_CTX_new()) {}

  ~Hasher() {
    EVP_MD_CTX_free(ctx_);
    EVP_MD_free(md_);
  }

  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  std::string Hex(std::string_view data) {
    std::string out;
    AppendHex(data, out);
    return out;
  }

  void AppendHex(std::string_view data, std::string& out) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int size = 0;
    bool ok = md_ != nullptr && ctx_ != nullptr && EVP_DigestInit_ex2(ctx_, md_, nullptr) == 1 &&
              EVP_DigestUpdate(ctx_, data.data(), data.size()) == 1 &&
              EVP_DigestFinal_ex(ctx_, digest.data(), &size) == 1;
    HUB_CHECK(ok);
    AppendHexEncoded(std::string_view(reinterpret_cast<const char*>(digest.data()), size), out);
  }

private:
  EVP_MD* md_;
  EVP_MD_CTX* ctx_;
};

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') {
    return c - 'A';
  }
  if (c >= 'a' && c <= 'z') {
    return c - 'a' + 26;
  }
  if (c >= '0' && c <= '9') {
    return c - '0' + 52;
  }
  if (c == '+' || c == '-') {
    return 62;
  }
  if (c == '/' || c == '_') {
    return 63;
  }
  return -1;
}

}  // namespace

std::string HexEncode(std::string_view bytes) {
  std::string out;
  AppendHexEncoded(bytes, out);
  return out;
}

void AppendHexEncoded(std::string_view bytes, std::string& out) {
  static constexpr char kDigits[] = "0123456789abcdef";
  size_t start = out.size();
  out.resize(start + bytes.size() * 2);
  char* p = out.data() + start;
  for (unsigned char c : bytes) {
    *p++ = kDigits[c >> 4];
    *p++ = kDigits[c & 0x0f];
  }
}

std::string Base64Encode(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                 (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                 static_cast<unsigned char>(bytes[i + 2]);
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  size_t rest = bytes.size() - i;
  if (rest > 0) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) {
      v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    }
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(rest == 2 ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

std::optional<std::string> Base64Decode(std::string_view text) {
  while (!text.empty() && text.back() == '=') {
    text.remove_suffix(1);
  }
  if (text.size() % 4 == 1) {
    return std::nullopt;
  }
  std::string out;
  out.reserve(text.size() * 3 / 4);
  unsigned buffer = 0;
  int bits = 0;
  for (char c : text) {
    int v = Base64Value(c);
    if (v < 0) {
      return std::nullopt;
    }
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  return out;
}

std::string Sha256Hex(std::string_view data) {
  thread_local Hasher hasher("SHA256");
  return hasher.Hex(data);
}

std::string Md5Hex(std::string_view data) {
  std::string out;
  AppendMd5Hex(data, out);
  return out;
}

void AppendMd5Hex(std::string_view data, std::string& out) {
  thread_local Hasher hasher("MD5");
  hasher.AppendHex(data, out);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace hub::common
