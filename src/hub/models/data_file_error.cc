#include "hub/models/data_file_error.h"

#include "fmt/format.h"

#include "hub/common/strings.h"

namespace hub::models {

absl::Status DataFileError(std::string_view what,
                           const std::string& path,
                           const absl::Status& error) {
  // The reader's message usually names the path already; do not repeat it.
  std::string detail = common::ToString(error.message());
  std::string message = detail.find(path) != std::string::npos
                            ? fmt::format("{}: {}", what, detail)
                            : fmt::format("{} {}: {}", what, path, detail);
  message.append(
      " (the file ships in the Debian package rdkit-data; install it or point the RDKit data "
      "directory elsewhere)");
  return {error.code(), message};
}

}  // namespace hub::models
