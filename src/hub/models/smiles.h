#pragma once

// SMILES parsing with the semantics of Python's `Chem.MolFromSmiles` (sanitize, remove
// hydrogens), which is what the published Ersilia models call, and with RDKit's own stderr
// logging silenced.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace RDKit {  // NOLINT(readability-identifier-naming): RDKit names it
class ROMol;
}  // namespace RDKit

namespace hub::models {

// Inputs longer than this are rejected with `input_too_long` before RDKit sees them. Drug-like
// molecules stay far below (median about 50 characters; large natural products and
// peptides a few hundred), while RDKit 2022.09's stereo perception inside `MolFromSmiles`
// grows about cubically with chain length: a chain of 1,000 carbons takes 3 s to parse,
// 4,000 take 4 minutes, so longer inputs would let one request occupy a core for hours.
inline constexpr size_t kMaxSmilesBytes = 2'000;

using MolPtr = std::unique_ptr<RDKit::ROMol>;

// Parses `smiles` exactly as `Chem.MolFromSmiles(smiles)` in RDKit 2022.09 does (CXSMILES
// extensions and a trailing name are accepted; leading and trailing whitespace are ignored by
// RDKit itself). Thread-safe.
//
// Returns InvalidArgument whose message is the row error text, `<code>: <reason>`:
//   - `empty_input: ...` for an empty or whitespace-only string (RDKit would make a
//     molecule of zero atoms);
//   - `input_too_long: ...` above `kMaxSmilesBytes`;
//   - `invalid_smiles: ...` for a syntax error, a chemistry (sanitization) error such as a
//     hypervalent atom, or a NUL byte (RDKit would silently stop reading at it).
[[nodiscard]] absl::StatusOr<MolPtr> ParseSmiles(const std::string& smiles);

// Checks only that `smiles` can be read: the same input rules and RDKit parser as
// `ParseSmiles`, but without sanitization, which costs about six times as much as reading the
// string (the hub validates every row of a request before any model sees it; molecules that
// read but fail chemistry checks are reported per row by the model). Same error texts.
// Plain SMILES is accepted by a one-pass screen without calling RDKit (smiles_syntax.h); every
// other input, and every error, is RDKit's. Thread-safe.
[[nodiscard]] absl::Status CheckSmilesSyntax(const std::string& smiles);

namespace internal {

// `CheckSmilesSyntax` without the screen: always RDKit. Exposed to test the screen against it.
[[nodiscard]] absl::Status CheckSmilesSyntaxWithRdkit(const std::string& smiles);

}  // namespace internal

// Turns off RDKit's own logging to stderr (parse errors, warnings), once per process; every
// `ParseSmiles` call does this first, so calling it is only needed before other RDKit use.
// Thread-safe.
void SilenceRdkitLogging();

// The row error text `<code>: <message>` used in `RowResult::error`.
std::string RowError(std::string_view code, std::string_view message);

}  // namespace hub::models
