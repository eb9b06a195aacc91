#pragma once

// The 200 RDKit descriptors of DescriptaStorus' "RDKit2D" v1 list (what eos8a4x computes with
// `getattr(Descriptors, name)(mol)` and `QED.qed`), reproducing RDKit 2022.09's Python values.
// About half are C++ RDKit calls with Python's defaults; the rest are the ports in this
// directory. Intermediates several descriptors share (distance matrices, EState indices,
// Labute contributions, Gasteiger charges, Crippen contributions) are computed once per
// molecule.

#include <span>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include <GraphMol/ROMol.h>

#include "hub/models/descriptors/estate.h"
#include "hub/models/descriptors/fragments.h"
#include "hub/models/descriptors/qed.h"

namespace hub::models::descriptors {

// Compiles all SMARTS at construction (a few milliseconds). Immutable afterwards; `Compute`
// may run concurrently on many threads, each with its own molecule.
class RdkitDescriptorSet final {
public:
  RdkitDescriptorSet();
  RdkitDescriptorSet(const RdkitDescriptorSet&) = delete;
  RdkitDescriptorSet& operator=(const RdkitDescriptorSet&) = delete;

  // Python descriptor names in output order ("BalabanJ", "BertzCT", ..., "fr_urea", "qed"):
  // eos8a4x's columns are these names lowercased.
  static const std::vector<std::string_view>& Names();

  // Computes every descriptor of `mol` (a sanitized molecule) into `values`, in `Names()`
  // order. Counts are exact small integers. Returns:
  //  - InvalidArgument for a molecule without atoms (Python raises in BalabanJ and EState);
  //  - InvalidArgument / OutOfRange when QED fails as Python's would (see `QedCalculator`);
  //  - Internal when RDKit throws.
  // On error `values` is left partly written.
  // REQUIRES: `values.size() == Names().size()`. The molecule's RDKit property cache may be
  // updated (computed properties), as the Python functions do; do not share `mol` between
  // threads during the call.
  absl::Status Compute(const RDKit::ROMol& mol, std::span<double> values) const;

private:
  // Where output column `i` comes from: a scalar, a bin of a binned family, or a fragment.
  struct Source {
    int kind = 0;
    int group = 0;
    int index = 0;
  };

  absl::Status ComputeUnchecked(const RDKit::ROMol& mol, std::span<double> values) const;

  QedCalculator qed_;
  FragmentCounter fragments_;
  std::vector<Source> sources_;
};

}  // namespace hub::models::descriptors
