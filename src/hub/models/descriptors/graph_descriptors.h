#pragma once

// Topological descriptors that RDKit 2022.09 implements only in Python
// (`rdkit/Chem/GraphDescriptors.py`), ported so that the doubles equal Python's bit for bit:
// every sum runs in the order Python (or numpy / reference BLAS underneath it) uses.
//
// All functions are pure and thread-safe. They call RDKit, which may throw on a malformed
// molecule; callers in `hub::models` catch at the model boundary.

#include <cstdint>
#include <vector>

#include <GraphMol/ROMol.h>

namespace hub::models::descriptors {

// The two all-pairs distance matrices several descriptors share, computed once per molecule
// with `MolOps::getDistanceMat` (row-major, `num_atoms` x `num_atoms`; 1e8 between atoms of
// different fragments). Copies, so they stay valid whatever RDKit caches on the molecule.
struct DistanceMatrices {
  unsigned int num_atoms = 0;
  std::vector<double> topological;  // bond count (`useBO=False`)
  std::vector<double> bond_order;   // sum of 1/bond order (`useBO=True`), the "Balaban" matrix

  static DistanceMatrices Compute(const RDKit::ROMol& mol);
};

// Balaban's J (`GraphDescriptors.BalabanJ`). 0 when the cyclomatic number + 1 is 0.
// REQUIRES: `mol` has at least one atom (Python raises TypeError on an empty molecule).
double BalabanJ(const RDKit::ROMol& mol, const DistanceMatrices& distances);

// Bertz's complexity index (`GraphDescriptors.BertzCT`, cutoff 100, forced matrices): symmetry
// classes from the Balaban matrix, bond-pair "connections", Shannon entropies. 0 below 2 atoms.
double BertzCT(const RDKit::ROMol& mol, const DistanceMatrices& distances);

// Bonchev-Trinajstic information content of the characteristic polynomial of the adjacency
// matrix (`GraphDescriptors.Ipc`, avg=0), by Le Verrier-Faddeev-Frame as `Graphs.py` computes
// it. Cost O(n^3 * mean degree) for n atoms.
double Ipc(const RDKit::ROMol& mol);

// Python `Chi0` / `Chi1` (plain degree connectivity indices; RDKit's C++ has only the
// valence and "n" variants).
double Chi0(const RDKit::ROMol& mol);
double Chi1(const RDKit::ROMol& mol);

// `Chi<order>n` and `Chi<order>v` (orders 2-4) as RDKit's `calcChiNn` / `calcChiNv` compute
// them, from one enumeration of the paths of `order` bonds instead of one per descriptor:
// per path the product of the atoms' 1/sqrt(delta) (a ring-closing path counts its first atom
// once), summed in RDKit's path order.
struct ChiPair {
  double n = 0;
  double v = 0;
};

ChiPair ChiNnAndNv(const RDKit::ROMol& mol, unsigned int order);

// numpy's `add.reduce` on a float64 vector (what `numpy.trace` and `numpy.sum` do): pairwise
// summation in blocks of 8, starting from 0. Exposed for tests.
double NumpyPairwiseSum(const double* values, std::int64_t count, std::int64_t stride);

// `rdkit.ML.InfoTheory.InfoEntropy` (the C++ template behind it) for float64 and int64 arrays.
double InfoEntropy(const std::vector<double>& values);
double InfoEntropy(const std::vector<std::int64_t>& values);

}  // namespace hub::models::descriptors
