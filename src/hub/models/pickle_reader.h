#pragma once

// Readers for the two Python pickles that ship in Debian's `rdkit-data` and that the SA and NP
// scores need. Only the opcodes of pickle protocols 0-2 that plain lists, dicts, ints and
// floats use are understood; anything else is reported as malformed data, never executed.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace hub::models {

// One fragment id with its score, in file order.
using FragmentScore = std::pair<std::uint32_t, double>;

// Reads a whole gzip-compressed file (a plain file is read as is). Returns FailedPrecondition
// naming `path` when it cannot be opened, DataLoss when it is corrupt or larger than 512 MB
// uncompressed.
[[nodiscard]] absl::StatusOr<std::string> ReadGzipFile(const std::string& path);

// Parses `fpscores.pkl` (SA score): a list of lists `[score, id, id, ...]`. Returns every
// (id, score) pair in file order, so that a later pair for the same id wins as in the Python
// `sascorer.readFragmentScores`. Returns DataLoss with the offset when the pickle is malformed
// or has another shape.
[[nodiscard]] absl::StatusOr<std::vector<FragmentScore>> ParseFragmentScorePickle(
    std::string_view pickle);

// Parses `publicnp.model` (NP score): a dict {fragment id: score}. Returns its items in file
// order (a repeated key: the later wins). DataLoss as above.
[[nodiscard]] absl::StatusOr<std::vector<FragmentScore>> ParseNpModelPickle(
    std::string_view pickle);

}  // namespace hub::models
