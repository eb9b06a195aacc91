#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace hub::common {

// A file compiled into the binary by `hub_embed_files` (cmake/EmbedFiles.cmake).
struct EmbeddedFile {
  std::string_view path;  // relative to the directory it was embedded from
  std::string_view contents;
};

// Returns the contents of `path` among `files`, or nullopt.
inline std::optional<std::string_view> FindEmbeddedFile(std::span<const EmbeddedFile> files,
                                                        std::string_view path) {
  for (const EmbeddedFile& file : files) {
    if (file.path == path) {
      return file.contents;
    }
  }
  return std::nullopt;
}

}  // namespace hub::common
