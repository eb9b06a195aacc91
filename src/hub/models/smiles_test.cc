#include "hub/models/smiles.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include <GraphMol/ROMol.h>

namespace hub::models {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string ErrorOf(const std::string& smiles) {
  absl::StatusOr<MolPtr> mol = ParseSmiles(smiles);
  EXPECT_FALSE(mol.ok()) << smiles;
  EXPECT_EQ(mol.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string{mol.status().message()};
}

TEST(ParseSmilesTest, ParsesAndRemovesHydrogens) {
  absl::StatusOr<MolPtr> mol = ParseSmiles("[H]OC([H])([H])C");

  ASSERT_TRUE(mol.ok()) << mol.status();
  EXPECT_EQ((*mol)->getNumAtoms(), 3u);
}

TEST(ParseSmilesTest, AcceptsWhatMolFromSmilesAccepts) {
  // A trailing name, CXSMILES extensions and surrounding whitespace, as in Python.
  for (const char* smiles : {"CCO name", "CCO |$;;$|", " CCO", "CCO\n"}) {
    absl::StatusOr<MolPtr> mol = ParseSmiles(smiles);

    ASSERT_TRUE(mol.ok()) << smiles << ": " << mol.status();
    EXPECT_EQ((*mol)->getNumAtoms(), 3u) << smiles;
  }
}

TEST(ParseSmilesTest, RejectsEmptyAndBlankInput) {
  EXPECT_THAT(ErrorOf(""), StartsWith("empty_input: "));
  EXPECT_THAT(ErrorOf(" \t\r\n"), StartsWith("empty_input: "));
}

TEST(ParseSmilesTest, ReportsSyntaxErrors) {
  EXPECT_EQ(ErrorOf("C1CC"), "invalid_smiles: SMILES syntax error");
  EXPECT_EQ(ErrorOf("not a molecule"), "invalid_smiles: SMILES syntax error");
}

TEST(ParseSmilesTest, ReportsChemistryErrorsFromSanitization) {
  EXPECT_THAT(ErrorOf("N(C)(C)(C)(C)C"), HasSubstr("valence"));
  EXPECT_THAT(ErrorOf("c1ccccc"), StartsWith("invalid_smiles: "));
}

TEST(ParseSmilesTest, RejectsNulBytesInsteadOfTruncating) {
  EXPECT_EQ(ErrorOf(std::string("CCO\0CC", 6)), "invalid_smiles: the input contains a NUL byte");
}

TEST(ParseSmilesTest, RejectsOverlongInputBeforeParsing) {
  const std::string huge(kMaxSmilesBytes + 1, 'C');

  // At the limit: a short SMILES plus a long name, which RDKit parses quickly.
  const std::string longest = "CCO " + std::string(kMaxSmilesBytes - 4, 'x');

  EXPECT_THAT(ErrorOf(huge), StartsWith("input_too_long: "));
  EXPECT_TRUE(ParseSmiles(longest).ok());
}

TEST(CheckSmilesSyntaxTest, ReadsWithoutSanitizing) {
  EXPECT_TRUE(CheckSmilesSyntax("C1=CN=CC=C1C(=O)NN").ok());
  // Reads fine; only sanitization finds the valence error.
  EXPECT_TRUE(CheckSmilesSyntax("C(C)(C)(C)(C)C").ok());
  EXPECT_FALSE(ParseSmiles("C(C)(C)(C)(C)C").ok());
}

TEST(CheckSmilesSyntaxTest, RejectsWhatCannotBeRead) {
  auto unclosed = CheckSmilesSyntax("C1CC");
  auto empty = CheckSmilesSyntax("   ");
  auto nul = CheckSmilesSyntax(std::string("CC\0O", 4));

  EXPECT_NE(std::string(unclosed.message()).find("invalid_smiles"), std::string::npos);
  EXPECT_NE(std::string(empty.message()).find("empty_input"), std::string::npos);
  EXPECT_FALSE(nul.ok());
  EXPECT_FALSE(CheckSmilesSyntax(std::string(kMaxSmilesBytes + 1, 'C')).ok());
}

}  // namespace
}  // namespace hub::models
