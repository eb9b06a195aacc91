#include "hub/models/descriptors/graph_descriptors.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>

#include "fmt/format.h"
#include <GraphMol/Descriptors/ConnectivityDescriptors.h>
#include <GraphMol/MolOps.h>
#include <GraphMol/PeriodicTable.h>
#include <GraphMol/RDKitBase.h>
#include <GraphMol/Subgraphs/Subgraphs.h>

namespace hub::models::descriptors {
namespace {

struct Neighbor {
  int atom = 0;
  double bond_order = 0;  // BertzCT's `_LookUpBondOrder`: 1.5 if aromatic, else the enum value
};

// Per-atom neighbour lists sorted by atom index, as BertzCT's `_CreateBondDictEtc` builds them
// (and in the order reference BLAS visits the non-zero entries of an adjacency matrix row).
std::vector<std::vector<Neighbor>> SortedNeighbors(const RDKit::ROMol& mol) {
  std::vector<std::vector<Neighbor>> neighbors(mol.getNumAtoms());
  for (const RDKit::Bond* bond : mol.bonds()) {
    const bool aromatic =
        bond->getIsAromatic() || bond->getBondType() == RDKit::Bond::BondType::AROMATIC;
    const double order = aromatic ? 1.5 : static_cast<double>(bond->getBondType());
    const int begin = static_cast<int>(bond->getBeginAtomIdx());
    const int end = static_cast<int>(bond->getEndAtomIdx());
    neighbors[begin].push_back({end, order});
    neighbors[end].push_back({begin, order});
  }
  for (auto& list : neighbors) {
    std::sort(list.begin(), list.end(),
              [](const Neighbor& a, const Neighbor& b) { return a.atom < b.atom; });
  }
  return neighbors;
}

std::vector<double> CopyMatrix(const double* matrix, unsigned int n) {
  if (n == 0 || matrix == nullptr) {
    return {};
  }
  return {matrix, matrix + static_cast<size_t>(n) * n};
}

// numpy's pairwise_sum for float64 (loops_utils.h): sequential below 8 elements, eight
// interleaved accumulators up to 128, halves (rounded to a multiple of 8) above.
double PairwiseSum(const double* a, std::int64_t n, std::int64_t stride) {
  if (n < 8) {
    double res = 0.;
    for (std::int64_t i = 0; i < n; i++) {
      res += a[i * stride];
    }
    return res;
  }
  if (n <= 128) {
    double r[8];
    for (int j = 0; j < 8; j++) {
      r[j] = a[j * stride];
    }
    std::int64_t i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (int j = 0; j < 8; j++) {
        r[j] += a[(i + j) * stride];
      }
    }
    double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; i++) {
      res += a[i * stride];
    }
    return res;
  }
  std::int64_t n2 = n / 2;
  n2 -= n2 % 8;
  return PairwiseSum(a, n2, stride) + PairwiseSum(a + n2 * stride, n - n2, stride);
}

template <typename T>
double InfoEntropyOf(const std::vector<T>& values) {
  T total = 0;
  for (T v : values) {
    total += v;
  }
  double accum = 0.0;
  if (total != 0) {
    for (T v : values) {
      const double d = static_cast<double>(v) / total;
      if (d != 0) {
        accum += -d * std::log(d);
      }
    }
  }
  return accum / std::log(2.0);
}

// Python formats each distance with '%.4f'; rows are the same class when all their formatted
// values agree. Formatting is memoised per distinct double (a matrix holds few of them).
class FormattedValueIds {
public:
  int IdOf(double value) {
    std::uint64_t bits;
    std::memcpy(&bits, &value, sizeof(bits));
    auto found = by_bits_.find(bits);
    if (found != by_bits_.end()) {
      return found->second;
    }
    const std::string text = fmt::format("{:.4f}", value);
    const int id = by_text_.emplace(text, static_cast<int>(by_text_.size())).first->second;
    by_bits_.emplace(bits, id);
    return id;
  }

private:
  std::unordered_map<std::uint64_t, int> by_bits_;
  std::unordered_map<std::string, int> by_text_;
};

// BertzCT's `_AssignSymmetryClasses`: class numbers (from 1) in order of first appearance of
// each row's sorted, truncated, formatted distance vector.
std::vector<int> SymmetryClasses(const std::vector<double>& matrix, unsigned int n, size_t cutoff) {
  FormattedValueIds ids;
  std::map<std::vector<int>, int> classes;
  std::vector<int> result(n);
  std::vector<double> row(n);
  for (unsigned int i = 0; i < n; ++i) {
    std::copy_n(matrix.begin() + static_cast<std::int64_t>(i) * n, n, row.begin());
    std::sort(row.begin(), row.end());
    std::vector<int> key;
    for (size_t k = 0; k < std::min(cutoff, row.size()); ++k) {
      key.push_back(ids.IdOf(row[k]));
    }
    const int next = static_cast<int>(classes.size()) + 1;
    result[i] = classes.emplace(std::move(key), next).first->second;
  }
  return result;
}

// A Python dict of numbers: keeps insertion order, which decides the summation order later.
template <typename Key, typename Value>
class OrderedCounts {
public:
  void Add(const Key& key, Value amount) {
    auto [it, inserted] = index_.emplace(key, values_.size());
    if (inserted) {
      values_.push_back(0);
    }
    values_[it->second] = values_[it->second] + amount;
  }

  const std::vector<Value>& values() const { return values_; }

private:
  std::map<Key, size_t> index_;
  std::vector<Value> values_;
};

// Bertz "connections": bond pairs sharing a hinge atom, keyed by symmetry classes, plus
// multiple bonds counted as order*(order-1)/2 self-connections.
OrderedCounts<std::vector<int>, double> BertzConnections(
    const std::vector<std::vector<Neighbor>>& neighbors, const std::vector<int>& classes) {
  OrderedCounts<std::vector<int>, double> connections;
  for (size_t atom = 0; atom < neighbors.size(); ++atom) {
    const int hinge = classes[atom];
    const auto& list = neighbors[atom];
    for (size_t i = 0; i < list.size(); ++i) {
      const int class_i = classes[list[i].atom];
      const double order_i = list[i].bond_order;
      if (order_i > 1 && list[i].atom > static_cast<int>(atom)) {
        connections.Add({std::min(hinge, class_i), std::max(hinge, class_i)},
                        order_i * (order_i - 1) / 2);
      }
      for (size_t j = i + 1; j < list.size(); ++j) {
        const int class_j = classes[list[j].atom];
        connections.Add({std::min(class_i, class_j), hinge, std::max(class_i, class_j)},
                        order_i * list[j].bond_order);
      }
    }
  }
  return connections;
}

// Cell (i, j) of A * B from row i of A as its neighbours: the non-zero terms, l ascending.
double SparseCell(const std::vector<Neighbor>& row,
                  const std::vector<double>& b,
                  size_t n,
                  size_t j) {
  double sum = 0.0;
  for (const Neighbor& nb : row) {
    sum += b[nb.atom * n + j];
  }
  return sum;
}

// Cell (i, j) of A * B from row i of A as dense 0/1 values: every term, l ascending.
double DenseCell(const std::vector<double>& a_row,
                 const std::vector<double>& b,
                 size_t n,
                 size_t j) {
  double sum = 0.0;
  for (size_t l = 0; l < n; ++l) {
    sum += a_row[l] * b[l * n + j];
  }
  return sum;
}

// C = A * B for the 0/1 adjacency matrix A, summing each cell over l in ascending order as
// reference BLAS dgemm does. Zero terms only change the sign of a zero sum, except when B
// holds an infinity or NaN (0 * inf is NaN), so then the full dense product is formed.
void MultiplyByAdjacency(const std::vector<std::vector<Neighbor>>& neighbors,
                         const std::vector<double>& b,
                         std::vector<double>& c) {
  const size_t n = neighbors.size();
  const bool finite = std::all_of(b.begin(), b.end(), [](double v) { return std::isfinite(v); });
  std::vector<double> a_row(n);
  for (size_t i = 0; i < n; ++i) {
    if (!finite) {
      std::fill(a_row.begin(), a_row.end(), 0.0);
      for (const Neighbor& nb : neighbors[i]) {
        a_row[nb.atom] = 1.0;
      }
    }
    for (size_t j = 0; j < n; ++j) {
      c[i * n + j] = finite ? SparseCell(neighbors[i], b, n, j) : DenseCell(a_row, b, n, j);
    }
  }
}

// `Graphs.CharacteristicPolynomial(mol, adjMat)`: coefficients res[0..n] (res[1:] negated).
std::vector<double> CharacteristicPolynomial(const std::vector<std::vector<Neighbor>>& neighbors) {
  const size_t n = neighbors.size();
  std::vector<double> res(n + 1, 0.0);
  res[0] = 1.0;
  std::vector<double> an(n * n, 0.0);
  for (size_t i = 0; i < n; ++i) {
    for (const Neighbor& nb : neighbors[i]) {
      an[i * n + nb.atom] = 1.0;
    }
  }
  std::vector<double> bn(n * n);
  for (size_t k = 1; k <= n; ++k) {
    res[k] =
        1. / static_cast<double>(k) *
        NumpyPairwiseSum(an.data(), static_cast<std::int64_t>(n), static_cast<std::int64_t>(n) + 1);
    if (k == n) {
      break;  // Python forms one more product that nothing reads
    }
    bn = an;
    for (size_t i = 0; i < n; ++i) {
      bn[i * n + i] = an[i * n + i] - res[k];
    }
    MultiplyByAdjacency(neighbors, bn, an);
  }
  for (size_t k = 1; k <= n; ++k) {
    res[k] *= -1;
  }
  return res;
}

}  // namespace

DistanceMatrices DistanceMatrices::Compute(const RDKit::ROMol& mol) {
  DistanceMatrices result;
  result.num_atoms = mol.getNumAtoms();
  if (result.num_atoms == 0) {
    return result;
  }
  result.topological = CopyMatrix(
      RDKit::MolOps::getDistanceMat(mol, /*useBO=*/false, /*useAtomWts=*/false, /*force=*/true),
      result.num_atoms);
  result.bond_order = CopyMatrix(RDKit::MolOps::getDistanceMat(mol, /*useBO=*/true,
                                                               /*useAtomWts=*/false,
                                                               /*force=*/true, "Balaban"),
                                 result.num_atoms);
  return result;
}

double NumpyPairwiseSum(const double* values, std::int64_t count, std::int64_t stride) {
  return 0.0 + PairwiseSum(values, count, stride);
}

double InfoEntropy(const std::vector<double>& values) {
  return InfoEntropyOf(values);
}

double InfoEntropy(const std::vector<std::int64_t>& values) {
  return InfoEntropyOf(values);
}

double BalabanJ(const RDKit::ROMol& mol, const DistanceMatrices& distances) {
  const unsigned int n = distances.num_atoms;
  const std::vector<double>& d = distances.bond_order;

  // `_VertexDegrees`: Python's builtin sum over the matrix rows, so column sums in row order.
  std::vector<double> s(n, 0.0);
  for (unsigned int i = 0; i < n; ++i) {
    for (unsigned int j = 0; j < n; ++j) {
      s[j] += d[static_cast<size_t>(i) * n + j];
    }
  }

  const auto neighbors = SortedNeighbors(mol);
  double sum = 0.;
  for (unsigned int i = 0; i < n; ++i) {
    for (const Neighbor& nb : neighbors[i]) {
      if (nb.atom > static_cast<int>(i)) {
        sum += 1. / std::sqrt(s[i] * s[nb.atom]);
      }
    }
  }

  const int q = static_cast<int>(mol.getNumBonds());
  const int mu = q - static_cast<int>(n) + 1;
  if (mu + 1 == 0) {
    return 0.0;
  }
  return static_cast<double>(q) / static_cast<double>(mu + 1) * sum;
}

double BertzCT(const RDKit::ROMol& mol, const DistanceMatrices& distances) {
  const unsigned int n = distances.num_atoms;
  if (n < 2) {
    return 0.0;
  }
  const auto neighbors = SortedNeighbors(mol);
  const std::vector<int> classes = SymmetryClasses(distances.bond_order, n, 100);

  OrderedCounts<int, std::int64_t> atom_types;
  for (const RDKit::Atom* atom : mol.atoms()) {
    atom_types.Add(atom->getAtomicNum(), 1);
  }
  const double atom_type_ie = static_cast<double>(n) * InfoEntropy(atom_types.values());

  // An empty connection dict becomes {'a': 1}, whose entropy terms are both 0.
  const auto connections = BertzConnections(neighbors, classes);
  if (connections.values().empty()) {
    return atom_type_ie + 0.0;
  }
  double total = 0;
  for (double v : connections.values()) {
    total += v;
  }
  const double connection_ie =
      total * (InfoEntropy(connections.values()) + std::log(total) / std::log(2.0));
  return atom_type_ie + connection_ie;
}

double Ipc(const RDKit::ROMol& mol) {
  const std::vector<double> poly = CharacteristicPolynomial(SortedNeighbors(mol));
  std::vector<double> magnitudes(poly.size());
  double total = 0;
  for (size_t k = 0; k < poly.size(); ++k) {
    magnitudes[k] = std::fabs(poly[k]);
    total += magnitudes[k];
  }
  return total * InfoEntropy(magnitudes);
}

double Chi0(const RDKit::ROMol& mol) {
  double res = 0;
  for (const RDKit::Atom* atom : mol.atoms()) {
    const unsigned int degree = atom->getDegree();
    if (degree != 0) {
      res += std::sqrt(1. / static_cast<double>(degree));
    }
  }
  return res;
}

double Chi1(const RDKit::ROMol& mol) {
  double res = 0;
  for (const RDKit::Bond* bond : mol.bonds()) {
    const unsigned int product =
        bond->getBeginAtom()->getDegree() * bond->getEndAtom()->getDegree();
    if (product != 0) {
      res += std::sqrt(1. / static_cast<double>(product));
    }
  }
  return res;
}

ChiPair ChiNnAndNv(const RDKit::ROMol& mol, unsigned int order) {
  // RDKit's `detail::nVals`: 1/sqrt(outer electrons - Hs), 0 stays 0.
  const RDKit::PeriodicTable* table = RDKit::PeriodicTable::getTable();
  std::vector<double> n_values(mol.getNumAtoms());
  for (const RDKit::Atom* atom : mol.atoms()) {
    double v = table->getNouterElecs(atom->getAtomicNum()) - atom->getTotalNumHs();
    if (v != 0.0) {
      v = 1. / std::sqrt(v);
    }
    n_values[atom->getIdx()] = v;
  }
  std::vector<double> hk_deltas(mol.getNumAtoms());
  RDKit::Descriptors::detail::hkDeltas(mol, hk_deltas, /*force=*/true);

  ChiPair result;
  for (const RDKit::PATH_TYPE& path : RDKit::findAllPathsOfLengthN(mol, order + 1, false)) {
    double accum_n = 1.0;
    double accum_v = 1.0;
    for (unsigned int i = 0; i < order; ++i) {
      accum_n *= n_values[path[i]];
      accum_v *= hk_deltas[path[i]];
    }
    if (path[order] != path[0]) {
      accum_n *= n_values[path[order]];
      accum_v *= hk_deltas[path[order]];
    }
    result.n += accum_n;
    result.v += accum_v;
  }
  return result;
}

}  // namespace hub::models::descriptors
