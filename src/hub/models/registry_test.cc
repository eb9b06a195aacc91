#include "hub/models/registry.h"

#include <filesystem>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hub::models {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

bool RdkitDataInstalled() {
  return std::filesystem::exists(SaScoreTablePath(ResourceOptions().rdkit_data_dir));
}

TEST(RegistryTest, ListsTheBuiltinModelsSorted) {
  EXPECT_THAT(BuiltinModelIds(),
              ElementsAre("eos3b5e", "eos3zur", "eos4djh", "eos4wt0", "eos5axz", "eos5guo",
                          "eos7jio", "eos8a4x", "eos8ioa", "eos9ei3"));
  EXPECT_NE(FindBuiltinModel("eos9ei3"), nullptr);
  EXPECT_EQ(FindBuiltinModel("eos0000"), nullptr);
}

TEST(RegistryTest, UnknownModelIsNotFoundAndListsTheKnownOnes) {
  auto model = CreateModel("eos0000", ModelResources{});
  auto resources = LoadModelResources(ResourceOptions(), {"eos3b5e", "eos0000"});

  EXPECT_EQ(model.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(model.status().message(), HasSubstr("eos3b5e, eos3zur"));
  EXPECT_EQ(resources.status().code(), absl::StatusCode::kNotFound);
}

TEST(RegistryTest, ModelsWithoutTablesNeedNoDataDirectory) {
  ResourceOptions options;
  options.rdkit_data_dir = "/nonexistent";

  auto resources = LoadModelResources(options, {"eos3b5e", "eos4wt0"});

  ASSERT_TRUE(resources.ok()) << resources.status();
  EXPECT_EQ(resources->sa_scores, nullptr);
  auto model = CreateModel("eos4wt0", *resources);
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ((*model)->info().columns.size(), 2048u);
  EXPECT_TRUE((*model)->info().json_integers);
}

TEST(RegistryTest, MissingDataFileNamesFileAndPackage) {
  ResourceOptions options;
  options.rdkit_data_dir = "/nonexistent";

  auto resources = LoadModelResources(options, {"eos8ioa"});

  EXPECT_EQ(resources.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(resources.status().message(),
              HasSubstr("/nonexistent/Contrib/NP_Score/publicnp.model.gz"));
  EXPECT_THAT(resources.status().message(), HasSubstr("rdkit-data"));
}

TEST(RegistryTest, ModelNeedingATableFailsWithoutIt) {
  auto model = CreateModel("eos9ei3", ModelResources{});

  EXPECT_EQ(model.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(model.status().message(), HasSubstr("SA score table"));
}

TEST(RegistryTest, CreatesEveryBuiltinModel) {
  if (!RdkitDataInstalled()) {
    GTEST_FAIL() << "rdkit-data is not installed";
  }
  auto resources = LoadModelResources(ResourceOptions(), BuiltinModelIds());
  ASSERT_TRUE(resources.ok()) << resources.status();

  for (const std::string& id : BuiltinModelIds()) {
    auto model = CreateModel(id, *resources);

    ASSERT_TRUE(model.ok()) << id << ": " << model.status();
    EXPECT_EQ((*model)->info().id, id);
  }
  auto sa = CreateModel("eos9ei3", *resources);
  EXPECT_EQ((*sa)->info().columns[0].format, CellFormat::kFixed6);
}

}  // namespace
}  // namespace hub::models
