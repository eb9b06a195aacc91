#include "hub/models/embedded_data.h"

namespace hub::models {

std::optional<std::string_view> FindEmbeddedFile(std::string_view path) {
  for (const EmbeddedFile& file : EmbeddedModelFiles()) {
    if (file.path == path) {
      return file.contents;
    }
  }
  return std::nullopt;
}

}  // namespace hub::models
