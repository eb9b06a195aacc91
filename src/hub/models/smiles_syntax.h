#pragma once

// A fast screen in front of RDKit's SMILES parser for `CheckSmilesSyntax`.
//
// The hub checks every row of a request before a model sees it, and RDKit spends about 30 µs
// reading a drug-like SMILES even without sanitizing — as much CPU as some models spend on
// the molecule, taken from the same cores. Almost every real input is written in a plain
// subset of SMILES that a single pass can check exactly; only the rest needs RDKit.

#include <string_view>

namespace hub::models {

// True only when `smiles` is plain SMILES that RDKit's parser (without sanitizing) certainly
// reads: organic-subset atoms, bracket atoms (isotope, element, `@`/`@@`, H count, charge,
// atom class), bonds `- = # : / \`, branches, ring closures (digits and `%nn`) and dots
// between complete components. False means "ask RDKit", never "invalid": anything outside
// the subset (whitespace, names, CXSMILES, `$`, extended chirality, odd ring closures) and
// every malformed input is left to RDKit, whose verdict and message stand. Thread-safe.
bool IsPlainSmiles(std::string_view smiles);

}  // namespace hub::models
