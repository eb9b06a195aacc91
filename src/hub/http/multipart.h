#pragma once

// multipart/form-data bodies (RFC 7578), read in place from a spooled upload.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace hub::http {

struct MultipartPart {
  std::string name;          // the form field
  std::string filename;      // set for file fields
  std::string content_type;  // the part's Content-Type, if any
  std::uint64_t offset = 0;  // where the part's content starts in the file
  std::uint64_t length = 0;  // its size in bytes
  std::string value;         // the content itself for small non-file fields (≤ 64 KiB)
};

// The boundary parameter of a multipart Content-Type, or nullopt.
std::optional<std::string> MultipartBoundary(std::string_view content_type);

// Splits the multipart body stored in `path` into its parts, without copying file contents.
// InvalidArgument when the body does not follow the format (missing boundary lines, a part
// without Content-Disposition, an unterminated body).
absl::StatusOr<std::vector<MultipartPart>> ParseMultipartFile(const std::string& path,
                                                              std::string_view boundary);

}  // namespace hub::http
