#include "hub/models/smiles_syntax.h"

#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

#include "hub/common/csv.h"
#include "hub/models/smiles.h"
#include "hub/models/test_data.h"

namespace hub::models {
namespace {

bool RdkitReads(const std::string& smiles) {
  return internal::CheckSmilesSyntaxWithRdkit(smiles).ok();
}

TEST(PlainSmilesTest, AcceptsPlainSmiles) {
  for (const char* smiles : {"C",           "CCO",
                             "c1ccccc1",    "C[C@@H](N)C(=O)O",
                             "[Na+].[Cl-]", "[2H]C",
                             "C/C=C/C",     "C%10CC%10",
                             "[nH]1cccc1",  "OC(=O)c1ccccc1Cl",
                             "[Fe+2]",      "[Fe++]",
                             "[NH4+]",      "*C",
                             "[13CH3:7]O",  "C1CC2CCC1C2",
                             "C=1CCCCC1",   "BrC(Cl)(F)I",
                             "[se]1cccc1",  "C(C)(C)C",
                             "[H][H]",      "O=[N+]([O-])c1ccccc1",
                             "C#N",         "c1ccc2c(c1)cccc2",
                             "[Hg]"}) {
    EXPECT_TRUE(IsPlainSmiles(smiles)) << smiles;
    EXPECT_TRUE(RdkitReads(smiles)) << smiles;
  }
}

TEST(PlainSmilesTest, LeavesEverythingElseToRdkit) {
  // Valid SMILES outside the subset, and malformed input: the screen never decides these.
  for (const char* smiles : {"",
                             " CCO",
                             "CCO ",
                             "CCO name",
                             "CCO |$;;$|",
                             "C1CC",
                             "C(C",
                             "C)C",
                             "C=",
                             "=C",
                             "C==C",
                             "C..C",
                             ".C",
                             "C.",
                             "C11",
                             "C1C1",
                             "C12CC12",
                             "C=1CC=1",
                             "[Xx]",
                             "[C@TH1](F)(Cl)Br",
                             "[HH]",
                             "C()",
                             "(C)C",
                             "C$C",
                             "C1.C1",
                             "C0CC0",
                             "[Cn]",
                             "1CC1",
                             "C(C)1CC1",
                             "CC(=)C",
                             "[C",
                             "[]",
                             "C%1",
                             "C%(123)CC%(123)",
                             "[12345C]",
                             "[CH10]",
                             "[N+-]",
                             "[C:]",
                             "Cx",
                             "C=(C)C",
                             "C\tC",
                             "C(.C)",
                             "[C@@@H](F)(Cl)Br",
                             "C%02CC%02",
                             "[H@]C",
                             "[011C]",
                             "[Sr+02]",
                             "[N+07]",
                             "[CH0]",
                             "[C+12]",
                             "[C:01]"}) {
    EXPECT_FALSE(IsPlainSmiles(smiles)) << smiles;
  }
}

TEST(PlainSmilesTest, CheckSmilesSyntaxStillGivesRdkitsErrors) {
  for (const char* smiles : {"C1CC", "C(C", "C==C", "[Xx]", "C11"}) {
    absl::Status fast = CheckSmilesSyntax(smiles);
    absl::Status rdkit = internal::CheckSmilesSyntaxWithRdkit(smiles);

    EXPECT_EQ(fast.ok(), rdkit.ok()) << smiles;
    EXPECT_EQ(fast.message(), rdkit.message()) << smiles;
  }
}

std::vector<std::string> SharedSmiles() {
  std::string dir = testing::SharedDataDir();
  std::vector<std::string> all = testing::ReadFirstColumn(dir + "/molecules_50k.csv");
  std::vector<std::string> more = testing::ReadFirstColumn(dir + "/smiles_100.csv");
  all.insert(all.end(), more.begin(), more.end());
  auto chembl = common::ReadCsvFile(dir + "/chembl_selected.csv");
  if (chembl.ok()) {
    for (size_t i = 1; i < chembl->size(); ++i) {
      if ((*chembl)[i].size() > 1) {
        all.push_back((*chembl)[i][1]);
      }
    }
  }
  return all;
}

// `smiles` with one to three random edits: a character deleted, inserted, replaced, or a
// short run of it copied elsewhere. Inserted characters favour SMILES syntax.
std::string Damage(std::string smiles, std::mt19937& random) {
  static const std::string kAlphabet = "()[]]=#-:/\\.%0123456789@@++--HcCnNoOsSlBr*TAeFgaiu";
  int edits = 1 + static_cast<int>(random() % 3);
  for (int e = 0; e < edits && !smiles.empty(); ++e) {
    size_t at = random() % smiles.size();
    char c = kAlphabet[random() % kAlphabet.size()];
    switch (random() % 4) {
      case 0:
        smiles.erase(at, 1);
        break;
      case 1:
        smiles.insert(at, 1, c);
        break;
      case 2:
        smiles[at] = c;
        break;
      default:
        smiles.insert(at, smiles.substr(random() % smiles.size(), 1 + random() % 3));
    }
  }
  return smiles;
}

// The screen's one promise: what it accepts, RDKit reads. Checked on every shared molecule,
// which the screen should almost all take on its own, and on damaged copies of them.
TEST(PlainSmilesTest, AcceptsNothingRdkitRejectsOnRealAndDamagedMolecules) {
  std::vector<std::string> molecules = SharedSmiles();
  ASSERT_GT(molecules.size(), 50'000u) << "../shared/data not found";
  size_t plain = 0;
  for (const std::string& smiles : molecules) {
    if (IsPlainSmiles(smiles)) {
      ++plain;
      ASSERT_TRUE(RdkitReads(smiles)) << smiles;
    }
  }
  EXPECT_GT(static_cast<double>(plain), 0.99 * static_cast<double>(molecules.size()));

  std::mt19937 random(20261204);
  size_t damaged_plain = 0;
  for (size_t i = 0; i < 200'000; ++i) {
    std::string smiles = Damage(molecules[random() % molecules.size()], random);
    if (IsPlainSmiles(smiles)) {
      ++damaged_plain;
      ASSERT_TRUE(RdkitReads(smiles)) << "the screen accepted '" << smiles << "'";
    }
  }
  // Many damaged strings are still valid SMILES; the check above has cases to bite on.
  EXPECT_GT(damaged_plain, 20'000u);
}

}  // namespace
}  // namespace hub::models
