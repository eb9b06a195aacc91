#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hub::common {

// Byte encodings and digests. All functions are pure and thread-safe.

// Lower-case hex of `bytes`.
std::string HexEncode(std::string_view bytes);
// Appends it to `out` (for callers that reuse one buffer per row).
void AppendHexEncoded(std::string_view bytes, std::string& out);

// Standard Base64 (RFC 4648 §4) with padding.
std::string Base64Encode(std::string_view bytes);

// Decodes standard Base64; also accepts the URL-safe alphabet and missing padding. Returns
// nullopt on any other character or a truncated quantum.
std::optional<std::string> Base64Decode(std::string_view text);

// Lower-case hex digests.
std::string Sha256Hex(std::string_view data);
std::string Md5Hex(std::string_view data);
// Appends `Md5Hex(data)` to `out`.
void AppendMd5Hex(std::string_view data, std::string& out);

// Compares two strings in time independent of where they differ (for secrets).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace hub::common
