#include "hub/models/smiles_syntax.h"

#include <algorithm>
#include <array>
#include <utility>

#include "absl/container/inlined_vector.h"

namespace hub::models {
namespace {

// Element symbols accepted in brackets: hydrogen to radon, and uranium. Rarer ones go to RDKit.
constexpr std::array<std::string_view, 87> kElements = {
    "H",  "He", "Li", "Be", "B",  "C",  "N",  "O",  "F",  "Ne", "Na", "Mg", "Al", "Si", "P",
    "S",  "Cl", "Ar", "K",  "Ca", "Sc", "Ti", "V",  "Cr", "Mn", "Fe", "Co", "Ni", "Cu", "Zn",
    "Ga", "Ge", "As", "Se", "Br", "Kr", "Rb", "Sr", "Y",  "Zr", "Nb", "Mo", "Tc", "Ru", "Rh",
    "Pd", "Ag", "Cd", "In", "Sn", "Sb", "Te", "I",  "Xe", "Cs", "Ba", "La", "Ce", "Pr", "Nd",
    "Pm", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Hf", "Ta", "W",  "Re",
    "Os", "Ir", "Pt", "Au", "Hg", "Tl", "Pb", "Bi", "Po", "At", "Rn", "U"};

constexpr int kRingNumbers = 100;

bool IsElement(std::string_view symbol) {
  return std::find(kElements.begin(), kElements.end(), symbol) != kElements.end();
}

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

bool IsLower(char c) {
  return c >= 'a' && c <= 'z';
}

bool IsBond(char c) {
  return c == '-' || c == '=' || c == '#' || c == ':' || c == '/' || c == '\\';
}

// One pass over a SMILES string, tracking just enough of the graph to see the errors RDKit's
// parser reports: unbalanced branches, bonds that lead nowhere, unclosed rings, a ring closed
// onto its own atom and a second bond between two atoms.
class PlainSmilesScanner {
public:
  explicit PlainSmilesScanner(std::string_view smiles) : s_(smiles) { ring_atom_.fill(-1); }

  bool Run() {
    while (pos_ < s_.size()) {
      if (!Step()) {
        return false;
      }
    }
    return bond_ == 0 && branches_.empty() && open_rings_ == 0 && atoms_ > 0 && EndsAnAtom();
  }

private:
  enum class Last { kNothing, kAtom, kRing, kBond, kOpen, kClose, kDot };

  // Whether the last token ends a chain position (an atom, its ring closures or a branch).
  bool EndsAnAtom() const {
    return last_ == Last::kAtom || last_ == Last::kRing || last_ == Last::kClose;
  }

  bool Step() {
    char c = s_[pos_];
    if (c == '[') {
      return Bracket() && AddAtom();
    }
    if (IsBond(c)) {
      ++pos_;
      return Bond(c);
    }
    if (IsDigit(c)) {
      ++pos_;
      return Ring(c - '0');
    }
    ++pos_;
    switch (c) {
      case 'B':
      case 'C':
        // "Br" and "Cl"; any other lower-case letter after them is an aromatic atom.
        if (pos_ < s_.size() && s_[pos_] == (c == 'B' ? 'r' : 'l')) {
          ++pos_;
        }
        return AddAtom();
      case 'N':
      case 'O':
      case 'P':
      case 'S':
      case 'F':
      case 'I':
      case 'b':
      case 'c':
      case 'n':
      case 'o':
      case 'p':
      case 's':
      case '*':
        return AddAtom();
      case '%':
        return TwoDigitRing();
      case '(':
        return OpenBranch();
      case ')':
        return CloseBranch();
      case '.':
        return Dot();
      default:
        return false;
    }
  }

  bool AddAtom() {
    parent_.push_back(atom_);
    atom_ = atoms_++;
    bond_ = 0;
    last_ = Last::kAtom;
    return true;
  }

  bool Bond(char c) {
    if (bond_ != 0 || atom_ < 0 || last_ == Last::kDot) {
      return false;
    }
    bond_may_ring_ = last_ == Last::kAtom || last_ == Last::kRing;
    bond_ = c;
    last_ = Last::kBond;
    return true;
  }

  bool OpenBranch() {
    if (bond_ != 0 || atom_ < 0 || !EndsAnAtom()) {
      return false;
    }
    branches_.push_back(atom_);
    last_ = Last::kOpen;
    return true;
  }

  bool CloseBranch() {
    if (bond_ != 0 || branches_.empty() || !EndsAnAtom()) {
      return false;
    }
    atom_ = branches_.back();
    branches_.pop_back();
    last_ = Last::kClose;
    return true;
  }

  // Components are joined only when complete, outside branches and rings.
  bool Dot() {
    if (bond_ != 0 || !branches_.empty() || open_rings_ != 0 || !EndsAnAtom()) {
      return false;
    }
    atom_ = -1;
    last_ = Last::kDot;
    return true;
  }

  // `%nn` from 10 to 99 (RDKit refuses `%0n`).
  bool TwoDigitRing() {
    if (pos_ + 2 > s_.size() || !IsDigit(s_[pos_]) || s_[pos_] == '0' || !IsDigit(s_[pos_ + 1])) {
      return false;
    }
    int number = (s_[pos_] - '0') * 10 + (s_[pos_ + 1] - '0');
    pos_ += 2;
    return Ring(number);
  }

  // A ring-closure digit right after an atom (or its earlier closures), possibly with a bond.
  bool Ring(int number) {
    bool placed =
        last_ == Last::kAtom || last_ == Last::kRing || (last_ == Last::kBond && bond_may_ring_);
    // Ring number 0 is legal SMILES but rare enough to leave to RDKit.
    if (!placed || atom_ < 0 || number == 0) {
      return false;
    }
    int& opener = ring_atom_[number];
    if (opener < 0) {
      opener = atom_;
      ring_bond_[number] = bond_;
      ++open_rings_;
    } else {
      if (opener == atom_ || (bond_ != 0 && ring_bond_[number] != 0) || Bonded(opener, atom_)) {
        return false;
      }
      ring_bonds_.emplace_back(opener, atom_);
      opener = -1;
      --open_rings_;
    }
    bond_ = 0;
    last_ = Last::kRing;
    return true;
  }

  bool Bonded(int a, int b) const {
    if (parent_[a] == b || parent_[b] == a) {
      return true;
    }
    return std::any_of(ring_bonds_.begin(), ring_bonds_.end(), [a, b](const auto& bond) {
      return bond == std::pair(a, b) || bond == std::pair(b, a);
    });
  }

  // `[` isotope? symbol chirality? hydrogens? charge? class? `]`, with `pos_` at the `[`.
  // Numbers in it are short and never start with 0 (RDKit refuses "+02"); others go to RDKit.
  bool Bracket() {
    ++pos_;
    if (!SkipNumber(3)) {
      return false;
    }
    size_t symbol = pos_;
    if (!Symbol()) {
      return false;
    }
    bool hydrogen = s_.substr(symbol, pos_ - symbol) == "H";
    if (Peek('@')) {
      // RDKit refuses a chiral hydrogen.
      if (hydrogen) {
        return false;
      }
      ++pos_;
      if (Peek('@')) {
        ++pos_;
      }
      // @TH1, @AL1, @SP1, @TB1, @OH1: left to RDKit.
      if (Peek('T') || Peek('A') || Peek('S') || Peek('O')) {
        return false;
      }
    }
    if (Peek('H')) {
      if (hydrogen) {
        return false;
      }
      ++pos_;
      if (!SkipNumber(1)) {
        return false;
      }
    }
    if (Peek('+') || Peek('-')) {
      char sign = s_[pos_++];
      if (Peek(sign)) {
        ++pos_;
      } else if (!SkipNumber(1)) {
        return false;
      }
    }
    if (Peek(':')) {
      ++pos_;
      if (Peek(']') || !SkipNumber(4)) {
        return false;
      }
    }
    if (!Peek(']')) {
      return false;
    }
    ++pos_;
    return true;
  }

  // An element symbol, an aromatic one or `*`.
  bool Symbol() {
    if (pos_ >= s_.size()) {
      return false;
    }
    char c = s_[pos_];
    std::string_view two = s_.substr(pos_, 2);
    if (c == '*') {
      ++pos_;
      return true;
    }
    if (IsLower(c)) {
      size_t length = (two == "se" || two == "as") ? 2 : 1;
      if (length == 1 && std::string_view("bcnops").find(c) == std::string_view::npos) {
        return false;
      }
      pos_ += length;
      return true;
    }
    if (two.size() == 2 && IsLower(two[1]) && IsElement(two)) {
      pos_ += 2;
      return true;
    }
    if (IsElement(s_.substr(pos_, 1))) {
      ++pos_;
      return true;
    }
    return false;
  }

  bool Peek(char c) const { return pos_ < s_.size() && s_[pos_] == c; }

  // Skips an optional number of at most `most` digits; false when it starts with 0 or is
  // longer.
  bool SkipNumber(size_t most) {
    if (Peek('0')) {
      return false;
    }
    size_t n = 0;
    while (pos_ < s_.size() && IsDigit(s_[pos_])) {
      ++pos_;
      ++n;
    }
    return n <= most;
  }

  std::string_view s_;
  size_t pos_ = 0;
  Last last_ = Last::kNothing;
  char bond_ = 0;               // a bond read and not yet used by an atom or ring closure
  bool bond_may_ring_ = false;  // that bond follows an atom or a ring closure
  int atom_ = -1;               // the atom the next bond starts from; -1 at a component's start
  int atoms_ = 0;
  absl::InlinedVector<int, 64> parent_;  // each atom's chain predecessor, or -1
  absl::InlinedVector<int, 8> branches_;
  absl::InlinedVector<std::pair<int, int>, 8> ring_bonds_;
  std::array<int, kRingNumbers> ring_atom_{};
  std::array<char, kRingNumbers> ring_bond_{};
  int open_rings_ = 0;
};

}  // namespace

bool IsPlainSmiles(std::string_view smiles) {
  return PlainSmilesScanner(smiles).Run();
}

}  // namespace hub::models
