#include "hub/models/descriptors/vsa_descriptors.h"

#include <algorithm>

#include <GraphMol/Descriptors/MolSurf.h>

namespace hub::models::descriptors {

const std::vector<double> kEStateBins = {-0.390, 0.290, 0.717, 1.165, 1.540,
                                         1.807,  2.05,  4.69,  9.17,  15.0};
const std::vector<double> kVsaBins = {4.78, 5.00, 5.410, 5.740, 6.00, 6.07, 6.45, 7.00, 11.0};
const std::vector<double> kChargeBins = {-.3, -.25, -.20, -.15, -.10, -.05, 0,
                                         .05, .10,  .15,  .20,  .25,  .30};
const std::vector<double> kMrBins = {1.29, 1.82, 2.24, 2.45, 2.75, 3.05, 3.63, 3.8, 4.0};
const std::vector<double> kLogPBins = {-0.4, -0.2, 0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6};

std::vector<double> BinContributions(std::span<const double> contributions,
                                     std::span<const double> bin_property,
                                     const std::vector<double>& bins) {
  std::vector<double> res(bins.size() + 1, 0.0);
  for (size_t i = 0; i < contributions.size(); ++i) {
    const auto bin = std::upper_bound(bins.begin(), bins.end(), bin_property[i]) - bins.begin();
    res[bin] += contributions[i];
  }
  return res;
}

std::vector<double> LabuteAtomContributions(const RDKit::ROMol& mol) {
  std::vector<double> contributions(mol.getNumAtoms(), 0.0);
  double h_contribution = 0;
  RDKit::Descriptors::getLabuteAtomContribs(mol, contributions, h_contribution,
                                            /*includeHs=*/true, /*force=*/true);
  return contributions;
}

std::vector<double> EStateVsa(std::span<const double> estate, std::span<const double> labute) {
  return BinContributions(labute, estate, kEStateBins);
}

std::vector<double> VsaEState(std::span<const double> estate, std::span<const double> labute) {
  return BinContributions(estate, labute, kVsaBins);
}

}  // namespace hub::models::descriptors
