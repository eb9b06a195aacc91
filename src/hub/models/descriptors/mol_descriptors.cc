#include "hub/models/descriptors/mol_descriptors.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include <DataStructs/SparseIntVect.h>
#include <GraphMol/Fingerprints/MorganFingerprints.h>
#include <GraphMol/PartialCharges/GasteigerCharges.h>
#include <GraphMol/PeriodicTable.h>
#include <GraphMol/RDKitBase.h>

namespace hub::models::descriptors {
namespace {

// Python's `min(a, b)` returns `a` unless `b < a`; `max(a, b)` returns `a` unless `b > a`.
double PyMin(double a, double b) {
  return b < a ? b : a;
}

double PyMax(double a, double b) {
  return b > a ? b : a;
}

}  // namespace

int NumValenceElectrons(const RDKit::ROMol& mol) {
  const RDKit::PeriodicTable* table = RDKit::PeriodicTable::getTable();
  int total = 0;
  for (const RDKit::Atom* atom : mol.atoms()) {
    total += table->getNouterElecs(atom->getAtomicNum()) - atom->getFormalCharge() +
             static_cast<int>(atom->getTotalNumHs());
  }
  return total;
}

int NumRadicalElectrons(const RDKit::ROMol& mol) {
  int total = 0;
  for (const RDKit::Atom* atom : mol.atoms()) {
    total += static_cast<int>(atom->getNumRadicalElectrons());
  }
  return total;
}

double FpDensityMorgan(const RDKit::ROMol& mol, unsigned int radius) {
  std::unique_ptr<RDKit::SparseIntVect<std::uint32_t>> fp(
      RDKit::MorganFingerprints::getFingerprint(mol, radius));
  const unsigned int heavy_atoms = mol.getNumHeavyAtoms();
  if (heavy_atoms == 0) {
    return 0;
  }
  return static_cast<double>(fp->getNonzeroElements().size()) / heavy_atoms;
}

std::array<double, 3> FpDensityMorgan123(const RDKit::ROMol& mol) {
  RDKit::MorganFingerprints::BitInfoMap bit_info;
  std::unique_ptr<RDKit::SparseIntVect<std::uint32_t>> fp(RDKit::MorganFingerprints::getFingerprint(
      mol, /*radius=*/3, nullptr, nullptr, /*useChirality=*/false, /*useBondTypes=*/true,
      /*useCounts=*/true, /*onlyNonzeroInvariants=*/false, &bit_info));
  std::array<unsigned int, 4> ids_by_min_radius{};
  for (const auto& [id, settings] : bit_info) {
    unsigned int min_radius = 3;
    for (const auto& [atom, radius] : settings) {
      min_radius = std::min(min_radius, radius);
    }
    ++ids_by_min_radius[min_radius];
  }
  std::array<double, 3> densities{};
  const unsigned int heavy_atoms = mol.getNumHeavyAtoms();
  if (heavy_atoms == 0) {
    return densities;
  }
  unsigned int ids = ids_by_min_radius[0];
  for (int r = 1; r <= 3; ++r) {
    ids += ids_by_min_radius[r];
    densities[r - 1] = static_cast<double>(ids) / heavy_atoms;
  }
  return densities;
}

std::vector<double> GasteigerCharges(const RDKit::ROMol& mol) {
  std::vector<double> charges(mol.getNumAtoms(), 0.0);
  RDKit::computeGasteigerCharges(mol, charges, /*nIter=*/12, /*throwOnParamFailure=*/false);
  return charges;
}

ChargeRange ChargeRange::Of(const std::vector<double>& charges) {
  ChargeRange range;
  for (double charge : charges) {
    range.min = PyMin(charge, range.min);
    range.max = PyMax(charge, range.max);
  }
  return range;
}

double ChargeRange::MaxAbs() const {
  return PyMax(std::fabs(min), std::fabs(max));
}

double ChargeRange::MinAbs() const {
  return PyMin(std::fabs(min), std::fabs(max));
}

}  // namespace hub::models::descriptors
