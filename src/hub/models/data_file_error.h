#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace hub::models {

// Wraps an error from reading an RDKit data file (`what` names the table) so the message says
// where the file comes from: "<what> <path>: <error> (the file ships in the Debian package
// rdkit-data; install it or point the RDKit data directory elsewhere)". Keeps the code.
absl::Status DataFileError(std::string_view what,
                           const std::string& path,
                           const absl::Status& error);

}  // namespace hub::models
