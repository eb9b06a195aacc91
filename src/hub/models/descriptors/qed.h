#pragma once

// Quantitative estimate of drug-likeness (Bickerton et al., Nature Chemistry 4, 90-98, 2012),
// ported from RDKit 2022.09's `rdkit/Chem/QED.py` (RDKit has no C++ QED in that release):
// the same eight properties, asymmetric double-sigmoid (ADS) parameters, acceptor SMARTS,
// 116 structural alerts and `WEIGHT_MEAN` weights, evaluated in Python's order so the result
// equals `QED.qed(mol)` bit for bit.

#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include <GraphMol/ROMol.h>

#include "hub/models/descriptors/substructure.h"

namespace hub::models::descriptors {

// The inputs of the desirability functions (`QED.properties`).
struct QedProperties {
  double mw = 0;     // average molecular weight
  double alogp = 0;  // Wildman-Crippen logP (with implicit Hs)
  int hba = 0;       // acceptor SMARTS matches
  int hbd = 0;       // `CalcNumHBD`
  double psa = 0;    // TPSA (N and O only)
  int rotb = 0;      // strict rotatable bonds
  int arom = 0;      // SSSR rings left after deleting aliphatic-ring atoms
  int alerts = 0;    // structural alerts present
};

// Holds the compiled SMARTS (acceptors, alerts, aliphatic-ring query). Immutable after
// construction; `Compute` and `Properties` are safe to call concurrently.
class QedCalculator final {
public:
  QedCalculator();
  QedCalculator(const QedCalculator&) = delete;
  QedCalculator& operator=(const QedCalculator&) = delete;

  // `QED.properties(mol)`: works on `Chem.RemoveHs(mol)` as Python does. Returns
  // InvalidArgument when RemoveHs' sanitization rejects the molecule (Python raises).
  // `input_logp`, when given, must be `Crippen.MolLogP(mol)` of `input` itself (RDKit's
  // `calcCrippenDescriptors` with implicit Hs); it is reused, saving the costliest property,
  // when RemoveHs leaves every atom and bond of the molecule unchanged.
  absl::StatusOr<QedProperties> Properties(const RDKit::ROMol& input,
                                           std::optional<double> input_logp = {}) const;

  // `QED.qed(mol)` with the default mean weights. Returns InvalidArgument as `Properties`,
  // and OutOfRange when a desirability exponential overflows (Python's `math.exp` raises
  // OverflowError; only a logP below about -580 does this).
  absl::StatusOr<double> Compute(const RDKit::ROMol& mol,
                                 std::optional<double> input_logp = {}) const;

  // The weighted geometric mean of the ADS desirabilities of `properties`.
  static absl::StatusOr<double> FromProperties(const QedProperties& properties);

private:
  std::vector<SmartsPattern> acceptors_;
  std::vector<SmartsPattern> alerts_;
  SmartsPattern aliphatic_rings_;
};

}  // namespace hub::models::descriptors
