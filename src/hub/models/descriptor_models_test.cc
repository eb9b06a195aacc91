#include "hub/models/descriptor_models.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

#include "hub/common/number_format.h"
#include "hub/models/batch_runner.h"
#include "hub/models/registry.h"
#include "hub/models/test_data.h"

namespace hub::models {
namespace {

using ::testing::HasSubstr;

// eos4djh's columns and the Python RDKit functions datamol binds them to (see
// tests/support/rdkit_descriptors_reference.py, which prints these names).
const std::pair<const char*, const char*> kDatamolToPython[] = {
    {"mw", "ExactMolWt"},
    {"fsp3", "FractionCSP3"},
    {"n_lipinski_hba", "NOCount"},
    {"n_lipinski_hbd", "NHOHCount"},
    {"n_rings", "RingCount"},
    {"n_hetero_atoms", "NumHeteroatoms"},
    {"n_heavy_atoms", "HeavyAtomCount"},
    {"n_rotatable_bonds", "NumRotatableBonds"},
    {"n_radical_electrons", "NumRadicalElectrons"},
    {"tpsa", "TPSA"},
    {"qed", "qed"},
    {"clogp", "MolLogP"},
    {"sas", "sas"},
    {"n_aliphatic_carbocycles", "NumAliphaticCarbocycles"},
    {"n_aliphatic_heterocyles", "NumAliphaticHeterocycles"},
    {"n_aliphatic_rings", "NumAliphaticRings"},
    {"n_aromatic_carbocycles", "NumAromaticCarbocycles"},
    {"n_aromatic_heterocyles", "NumAromaticHeterocycles"},
    {"n_aromatic_rings", "NumAromaticRings"},
    {"n_saturated_carbocycles", "NumSaturatedCarbocycles"},
    {"n_saturated_heterocyles", "NumSaturatedHeterocycles"},
    {"n_saturated_rings", "NumSaturatedRings"},
};

// Every `kStride`-th molecule of molecules_50k.csv.
constexpr size_t kStride = 250;

bool RdkitDataInstalled() {
  return std::filesystem::exists(SaScoreTablePath(ResourceOptions().rdkit_data_dir));
}

const ModelResources& Resources() {
  static const ModelResources* resources = [] {
    auto loaded = LoadModelResources(ResourceOptions(), {"eos4djh"});
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    return new ModelResources(loaded.ok() ? *loaded : ModelResources{});
  }();
  return *resources;
}

// tests/support/rdkit_descriptors_reference.py on `smiles`: one JSON object per molecule,
// or nothing when /usr/bin/python3 is missing.
std::vector<nlohmann::json> RunReference(const std::vector<std::string>& smiles) {
  // Tests read the environment before they start threads, and nothing sets it.
  const char* source = std::getenv("HUB_SOURCE_DIR");  // NOLINT(concurrency-mt-unsafe)
  const std::string script = std::string(source != nullptr ? source : ".") +
                             "/tests/support/rdkit_descriptors_reference.py";
  if (!std::filesystem::exists("/usr/bin/python3") || !std::filesystem::exists(script)) {
    return {};
  }
  const std::string input = ::testing::TempDir() + "/descriptor_models_test.smi";
  {
    std::ofstream out(input);
    for (const std::string& s : smiles) {
      out << s << "\n";
    }
  }
  const std::string command = "/usr/bin/python3 " + script + " < " + input;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  std::vector<nlohmann::json> results;
  std::string line;
  for (int c; pipe != nullptr && (c = std::fgetc(pipe.get())) != EOF;) {
    if (c != '\n') {
      line.push_back(static_cast<char>(c));
      continue;
    }
    results.push_back(nlohmann::json::parse(line));
    line.clear();
  }
  std::remove(input.c_str());
  return results;
}

TEST(DescriptorModelsTest, DatamolDescriptorsMatchPythonOnSharedMolecules) {
  const std::string shared = testing::SharedDataDir();
  if (shared.empty() || !RdkitDataInstalled()) {
    GTEST_FAIL() << "../shared/data or rdkit-data not available";
  }
  std::vector<std::string> smiles;
  const auto all = testing::ReadFirstColumn(shared + "/molecules_50k.csv");
  for (size_t i = 0; i < all.size(); i += kStride) {
    smiles.push_back(all[i]);
  }
  const std::vector<nlohmann::json> reference = RunReference(smiles);
  if (reference.empty()) {
    GTEST_FAIL() << "/usr/bin/python3 with python3-rdkit is not available";
  }
  auto model = CreateModel("eos4djh", Resources());
  ASSERT_TRUE(model.ok()) << model.status();
  ASSERT_EQ(reference.size(), smiles.size());

  size_t cells = 0;
  for (size_t i = 0; i < smiles.size(); ++i) {
    const RowResult row = ComputeRow(**model, smiles[i]);
    ASSERT_TRUE(row.error.empty()) << smiles[i] << ": " << row.error;
    for (size_t c = 0; c < std::size(kDatamolToPython); ++c) {
      const std::string expected = reference[i]["values"][kDatamolToPython[c].second];
      EXPECT_EQ(common::PythonFloat(row.values[c]),
                common::PythonFloat(std::strtod(expected.c_str(), nullptr)))
          << smiles[i] << " " << kDatamolToPython[c].first;
      ++cells;
    }
  }
  std::printf("eos4djh: %zu molecules, %zu cells compared with Python\n", smiles.size(), cells);
}

TEST(DescriptorModelsTest, EStateCountsAreWrittenAsIntegers) {
  auto model = CreateModel("eos3zur", ModelResources{});
  ASSERT_TRUE(model.ok()) << model.status();

  const RowResult row = ComputeRow(**model, "CCO");

  ASSERT_TRUE(row.error.empty()) << row.error;
  EXPECT_EQ((*model)->info().columns[8].format, CellFormat::kInteger);
  EXPECT_EQ(row.values[6], 1.0);   // sCH3: one uniquified match
  EXPECT_EQ(row.values[8], 1.0);   // ssCH2
  EXPECT_EQ(row.values[33], 1.0);  // sOH
}

TEST(DescriptorModelsTest, RdkitDescriptorsAreWrittenAsFloats) {
  auto model = CreateModel("eos8a4x", ModelResources{});
  ASSERT_TRUE(model.ok()) << model.status();

  const RowResult row = ComputeRow(**model, "c1ccccc1O");

  ASSERT_TRUE(row.error.empty()) << row.error;
  ASSERT_EQ(row.values.size(), 200u);
  EXPECT_EQ((*model)->info().columns[31].name, "heavyatomcount");
  EXPECT_EQ((*model)->info().columns[31].format, CellFormat::kPythonFloat);
  EXPECT_EQ(row.values[31], 7.0);
}

TEST(DescriptorModelsTest, RejectsColumnsItDoesNotCompute) {
  ModelInfo info;
  info.id = "eos8a4x";
  info.columns = {Column{"balabanj"}, Column{"bertzct"}};

  auto model = NewRdkitDescriptorsModel(info, ModelResources{});

  EXPECT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(model.status().message(), HasSubstr("eos8a4x"));
}

TEST(DescriptorModelsTest, DatamolModelNeedsTheSaScoreTable) {
  auto model = CreateModel("eos4djh", ModelResources{});

  EXPECT_EQ(model.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(model.status().message(), HasSubstr("SA score table"));
}

}  // namespace
}  // namespace hub::models
