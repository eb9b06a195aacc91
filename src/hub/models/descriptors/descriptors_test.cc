// Conformance of the descriptor ports with Python RDKit 2022.09 (python3-rdkit), computed at
// test time by tests/support/rdkit_descriptors_reference.py on a sample of the shared 50k
// molecule set plus edge cases. Every value must match to a tight relative tolerance; the
// test also reports how many cells are bit-exact (equal as Python repr strings).

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include <GraphMol/SmilesParse/SmilesParse.h>

#include "hub/common/csv.h"
#include "hub/common/number_format.h"
#include "hub/models/descriptors/estate.h"
#include "hub/models/descriptors/graph_descriptors.h"
#include "hub/models/descriptors/qed.h"
#include "hub/models/descriptors/rdkit_descriptor_set.h"

namespace hub::models::descriptors {
namespace {

// Relative tolerance (with an absolute floor for values near zero) for every descriptor.
constexpr double kTolerance = 1e-12;

// Molecules from molecules_50k.csv: every `kStride`-th row.
constexpr size_t kStride = 167;

// clang-format off
const std::vector<std::string> kEdgeCases = {
    "C", "O", "CC", "[Na+]", "[Na+].[Cl-]", "C[CH2]", "[CH3]", "[CH2]", "[C]", "[Fe]", "[Fe+2]",
    "[Cu+2].[O-]S(=O)(=O)[O-]", "C[Si](C)(C)Cl", "[H][H]", "[2H]C([2H])([2H])C", "B(F)(F)F",
    "[B-](F)(F)(F)F", "C1CC1", "N[C@@H](C)C(=O)O", "F/C=C/F", "c1ccccc1", "C1=CC=CC=C1",
    "[O-][N+](=O)c1ccccc1", "C[N+](C)(C)C", "[NH4+]", "OP(=O)(O)O", "CS(=O)(=O)N",
    "[Pt](Cl)(Cl)(N)N", "C[Sn](C)(C)C", "O=[Os](=O)(=O)=O", "[NH3]->[Pt]", "F[Xe]F", "[SiH4]",
    "C[Hg]C", "c1cc[se]c1", "C[Te]C", "FS(F)(F)(F)(F)F", "[He]", "*C", "C.C", "[Li]C", "[I-].[K+]",
    "S", "P", "C=C=C", "ClC(Cl)(Cl)Cl", "N=[N+]=[N-]", "O=S(=O)(O)O", "C#N", "C#C",
    "c1ccc2c(c1)[nH]c1ccccc12", "O=C1NC(=O)NC(=O)C1", "CC(=O)Oc1ccccc1C(=O)O",
    "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC", "C1CCCCCCCCCCCCCCCCCCCC1", "[NH3+]CC(=O)[O-]",
    "C1CC2CCC1C2", "C12C3C4C1C5C2C3C45", "O=C1C=CC(=O)C=C1", "OC1=CC=CC=C1O",
    "CC(C)(C)c1ccc(O)cc1", "[Mg]", "CC[Mg]Br", "c1ccc2ccccc2c1", "c1ccc2cc3ccccc3cc2c1", "[13CH4]",
    "CC(=O)N[C@@H](Cc1ccccc1)C(=O)O", "O=C(O)[C@H]1CCCN1", "C1=CC2=CC=CC2=C1", "C(=O)O", "NC(=N)N",
    "OO", "[O]", "[OH]", "C1CC1C1CC1", "C1CCC2(CC1)CCCC2", "N#[N+][O-]", "[S-2]", "[Al](Cl)(Cl)Cl",
    "CN1C=NC2=C1C(=O)N(C(=O)N2C)C", "OCC(O)C(O)C(O)C(O)CO", "c1cocc1", "c1ccsc1",
    "C1=CC=C2C(=C1)C=CC=C2", "CC1=CC(=O)C=CC1=O", "C1CC1", "C1=CN=CN1", "",
    // Large: over 128 atoms (numpy's pairwise sum recurses) and characteristic polynomial
    // coefficients beyond 2^53 (cyclosporin, a maltoheptaose, a 150-carbon chain).
    std::string("CC[C@H](C)[C@H]1C(=O)N(C)CC(=O)N(C)[C@@H](CC(C)C)C(=O)N[C@@H](C(C)C)C(=O)N(C)"
    "[C@@H]"
    "(CC(C)C)C(=O)N[C@@H](C)C(=O)N[C@H](C)C(=O)N(C)[C@@H](CC(C)C)C(=O)N(C)[C@@H](CC(C)C)"
    "C(=O)N(C)[C@@H](C(C)C)C(=O)N(C)[C@H]([C@H](O)[C@H](C)C/C=C/C)C(=O)N1C"),
    std::string("OC[C@H]1O[C@@H](O[C@H]2[C@H](O)[C@@H](O)[C@H](O[C@H]3[C@H](O)[C@@H](O)[C@H]"
    "(O[C@H]4"
    "[C@H](O)[C@@H](O)[C@H](O[C@H]5[C@H](O)[C@@H](O)[C@H](O[C@H]6[C@H](O)[C@@H](O)[C@H]"
    "(O[C@H]7[C@H](O)[C@@H](O)[C@@H](O)O[C@@H]7CO)O[C@@H]6CO)O[C@@H]5CO)O[C@@H]4CO)O[C@@H]"
    "3CO)O[C@@H]2CO)[C@H](O)[C@H](O)[C@H]1O"),
    std::string(150, 'C'),
    // Not SMILES: both sides must refuse them.
    "C1CC", "c1cccc1", "[Xx]", "C(C(C",
};

// clang-format on

std::string SourceDir() {
  // Read before any test starts a thread; nothing sets the environment.
  const char* dir = std::getenv("HUB_SOURCE_DIR");  // NOLINT(concurrency-mt-unsafe)
  return dir != nullptr ? dir : ".";
}

std::vector<std::string> SampleMolecules() {
  std::vector<std::string> smiles;
  auto rows = common::ReadCsvFile(SourceDir() + "/../shared/data/molecules_50k.csv");
  if (rows.ok()) {
    for (size_t i = 1; i < rows->size(); i += kStride) {
      smiles.push_back((*rows)[i][0]);
    }
  }
  for (const char* id : {"eos8a4x", "eos4djh", "eos3zur"}) {
    auto examples =
        common::ReadCsvFile(SourceDir() + "/../shared/data/models/" + id + "/run_input.csv");
    if (examples.ok()) {
      for (size_t i = 1; i < examples->size(); ++i) {
        smiles.push_back((*examples)[i][0]);
      }
    }
  }
  smiles.insert(smiles.end(), kEdgeCases.begin(), kEdgeCases.end());
  return smiles;
}

// Runs the Python reference on `smiles`; one parsed JSON object per molecule.
std::vector<nlohmann::json> RunReference(const std::vector<std::string>& smiles) {
  char dir_template[] = "/tmp/descriptors_test_XXXXXX";
  const std::string dir = mkdtemp(dir_template);
  const std::string input = dir + "/input.smi";
  const std::string output = dir + "/output.jsonl";
  {
    std::ofstream out(input);
    for (const std::string& s : smiles) {
      out << s << "\n";
    }
  }
  const std::string command = "/usr/bin/python3 " + SourceDir() +
                              "/tests/support/rdkit_descriptors_reference.py < " + input + " > " +
                              output;
  // The Python reference runs once, before any test starts a thread.
  EXPECT_EQ(std::system(command.c_str()), 0) << command;  // NOLINT(concurrency-mt-unsafe)

  std::vector<nlohmann::json> results;
  std::ifstream in(output);
  for (std::string line; std::getline(in, line);) {
    results.push_back(nlohmann::json::parse(line));
  }
  std::remove(input.c_str());
  std::remove(output.c_str());
  std::remove(dir.c_str());
  return results;
}

// Tallies the comparison of one descriptor over all molecules.
struct Tally {
  int cells = 0;
  int exact = 0;
  double max_deviation = 0;  // relative, with an absolute floor of 1
  std::string worst;
};

class Comparison {
public:
  // Compares `actual` with Python's repr `expected`; returns false beyond the tolerance.
  bool Check(const std::string& name,
             const std::string& smiles,
             double actual,
             const std::string& expected) {
    const double want = std::strtod(expected.c_str(), nullptr);
    Tally& tally = tallies_[name];
    ++tally.cells;
    if (common::PythonFloat(actual) == common::PythonFloat(want)) {
      ++tally.exact;
      return true;
    }
    const double deviation = std::fabs(actual - want) / std::max(1.0, std::fabs(want));
    if (!(deviation <= tally.max_deviation)) {
      tally.max_deviation = deviation;
      tally.worst = smiles + " python=" + expected + " c++=" + common::PythonFloat(actual);
    }
    return deviation <= kTolerance;
  }

  void Report() const {
    int cells = 0;
    int exact = 0;
    double max_deviation = 0;
    for (const auto& [name, tally] : tallies_) {
      cells += tally.cells;
      exact += tally.exact;
      max_deviation = std::max(max_deviation, tally.max_deviation);
      if (tally.exact != tally.cells) {
        std::cout << "  " << name << ": " << tally.exact << "/" << tally.cells
                  << " exact, max rel deviation " << tally.max_deviation << " (" << tally.worst
                  << ")\n";
      }
    }
    std::cout << "descriptor cells: " << cells << ", bit-exact " << exact << ", max relative "
              << "deviation " << max_deviation << ", descriptors " << tallies_.size() << "\n";
  }

private:
  std::map<std::string, Tally> tallies_;
};

std::unique_ptr<RDKit::ROMol> Parse(const std::string& smiles) {
  try {
    return std::unique_ptr<RDKit::ROMol>(RDKit::SmilesToMol(smiles));
  } catch (const std::exception&) {
    return nullptr;
  }
}

bool HasPythonError(const nlohmann::json& values) {
  for (const auto& [name, value] : values.items()) {
    if (name != "sas" && value.get<std::string>().rfind("error:", 0) == 0) {
      return true;
    }
  }
  return false;
}

void CompareDescriptorSet(const RdkitDescriptorSet& set,
                          const RDKit::ROMol& mol,
                          const nlohmann::json& reference,
                          Comparison& comparison) {
  const std::string smiles = reference["smiles"];
  std::vector<double> values(RdkitDescriptorSet::Names().size());
  const absl::Status status = set.Compute(mol, values);
  if (HasPythonError(reference["values"])) {
    EXPECT_FALSE(status.ok()) << smiles << ": Python raises, C++ computed";
    return;
  }
  ASSERT_TRUE(status.ok()) << smiles << ": " << status;
  for (size_t i = 0; i < values.size(); ++i) {
    const std::string name(RdkitDescriptorSet::Names()[i]);
    const std::string expected = reference["values"][name];
    EXPECT_TRUE(comparison.Check(name, smiles, values[i], expected))
        << smiles << " " << name << ": python " << expected << ", c++ "
        << common::PythonFloat(values[i]);
  }
}

void CompareEState(const EStateAtomTypes& types,
                   const RDKit::ROMol& mol,
                   const nlohmann::json& reference,
                   Comparison& comparison) {
  const std::string smiles = reference["smiles"];
  ASSERT_FALSE(reference.contains("estate_error")) << smiles;
  const std::vector<double> indices = EStateIndices(mol);
  ASSERT_EQ(indices.size(), reference["estate_indices"].size()) << smiles;
  for (size_t i = 0; i < indices.size(); ++i) {
    EXPECT_TRUE(comparison.Check("EStateIndices", smiles, indices[i],
                                 reference["estate_indices"][i].get<std::string>()))
        << smiles << " atom " << i;
  }
  const EStateAtomTypes::Fingerprint fp = types.FingerprintMol(mol, indices);
  for (int i = 0; i < EStateAtomTypes::kNumTypes; ++i) {
    EXPECT_EQ(fp.counts[i], reference["estate_counts"][i].get<int>())
        << smiles << " " << EStateAtomTypes::Name(i);
    EXPECT_TRUE(comparison.Check("EStateFingerprintSums", smiles, fp.sums[i],
                                 reference["estate_sums"][i].get<std::string>()))
        << smiles << " " << EStateAtomTypes::Name(i);
  }
}

TEST(DescriptorsTest, MatchesPythonRdkit) {
  const std::vector<std::string> smiles = SampleMolecules();
  ASSERT_GT(smiles.size(), 300u) << "shared data missing under " << SourceDir() << "/../shared";
  const std::vector<nlohmann::json> reference = RunReference(smiles);
  ASSERT_EQ(reference.size(), smiles.size());

  const RdkitDescriptorSet set;
  const EStateAtomTypes types;
  Comparison comparison;
  int molecules = 0;
  for (const nlohmann::json& ref : reference) {
    const std::string s = ref["smiles"];
    std::unique_ptr<RDKit::ROMol> mol = Parse(s);
    ASSERT_EQ(mol != nullptr, ref["parsed"].get<bool>()) << "parse disagreement: " << s;
    if (mol == nullptr) {
      continue;
    }
    ++molecules;
    CompareDescriptorSet(set, *mol, ref, comparison);
    if (mol->getNumAtoms() > 0) {
      CompareEState(types, *mol, ref, comparison);
    }
  }
  std::cout << "molecules compared: " << molecules << "\n";
  comparison.Report();
}

TEST(DescriptorsTest, NumpyPairwiseSumMatchesNumpyOrder) {
  // numpy.trace(numpy.diag([1e16] + [1.0] * 19)) == 1.0000000000000016e+16: pairwise blocks
  // of eight starting from zero, not a left-to-right sum (which gives 1e16).
  std::vector<double> values(20, 1.0);
  values[0] = 1e16;

  EXPECT_EQ(common::PythonFloat(NumpyPairwiseSum(values.data(), 20, 1)), "1.0000000000000016e+16");
}

TEST(DescriptorsTest, QedOfPublishedExample) {
  std::unique_ptr<RDKit::ROMol> mol = Parse("N=C(CCSCc1csc(N=C(N)N)n1)NS(N)(=O)=O");
  const QedCalculator qed;

  absl::StatusOr<double> value = qed.Compute(*mol);

  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_NEAR(*value, 0.253, 0.001);  // QED.py doctest: 0.253...
}

TEST(DescriptorsTest, EmptyMoleculeIsAnError) {
  std::unique_ptr<RDKit::ROMol> mol = Parse("");
  const RdkitDescriptorSet set;
  std::vector<double> values(RdkitDescriptorSet::Names().size());

  const absl::Status status = set.Compute(*mol, values);

  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace hub::models::descriptors
