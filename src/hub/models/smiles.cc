#include "hub/models/smiles.h"

#include <exception>
#include <mutex>

#include "fmt/format.h"
#include <GraphMol/ROMol.h>
#include <GraphMol/SanitException.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <RDGeneral/RDLog.h>

#include "hub/common/strings.h"
#include "hub/models/model.h"
#include "hub/models/smiles_syntax.h"

namespace hub::models {
namespace {

absl::Status RowErrorStatus(std::string_view code, std::string_view message) {
  return absl::InvalidArgumentError(RowError(code, message));
}

// Rejects what must not reach RDKit; OK otherwise.
absl::Status CheckInput(const std::string& smiles) {
  if (common::Trim(smiles).empty()) {
    return RowErrorStatus(kEmptyInput, "the input is empty");
  }
  if (smiles.size() > kMaxSmilesBytes) {
    return RowErrorStatus(kInputTooLong, fmt::format("the input has {} bytes, more than {}",
                                                     smiles.size(), kMaxSmilesBytes));
  }
  if (smiles.find('\0') != std::string::npos) {
    return RowErrorStatus(kInvalidSmiles, "the input contains a NUL byte");
  }
  return absl::OkStatus();
}

}  // namespace

std::string RowError(std::string_view code, std::string_view message) {
  return fmt::format("{}: {}", code, message);
}

void SilenceRdkitLogging() {
  static std::once_flag once;
  std::call_once(once, [] {
    RDLog::InitLogs();
    boost::logging::disable_logs("rdApp.*");
  });
}

absl::StatusOr<MolPtr> ParseSmiles(const std::string& smiles) {
  SilenceRdkitLogging();
  if (absl::Status status = CheckInput(smiles); !status.ok()) {
    return status;
  }

  // `SmilesToMol` with its defaults is what `Chem.MolFromSmiles` calls. It returns null on a
  // syntax error and throws on a chemistry error found while sanitizing.
  try {
    MolPtr mol(RDKit::SmilesToMol(smiles));
    if (mol == nullptr) {
      return RowErrorStatus(kInvalidSmiles, "SMILES syntax error");
    }
    return mol;
  } catch (const RDKit::MolSanitizeException& e) {
    return RowErrorStatus(kInvalidSmiles, e.what());
  } catch (const std::exception& e) {
    return RowErrorStatus(kInvalidSmiles, e.what());
  } catch (...) {
    return RowErrorStatus(kInvalidSmiles, "RDKit could not parse the input");
  }
}

}  // namespace hub::models

namespace hub::models {

absl::Status CheckSmilesSyntax(const std::string& smiles) {
  if (smiles.size() <= kMaxSmilesBytes && IsPlainSmiles(smiles)) {
    return absl::OkStatus();
  }
  return internal::CheckSmilesSyntaxWithRdkit(smiles);
}

absl::Status internal::CheckSmilesSyntaxWithRdkit(const std::string& smiles) {
  SilenceRdkitLogging();
  if (absl::Status status = CheckInput(smiles); !status.ok()) {
    return status;
  }
  RDKit::SmilesParserParams params;
  params.sanitize = false;
  params.removeHs = false;
  try {
    MolPtr mol(RDKit::SmilesToMol(smiles, params));
    if (mol == nullptr) {
      return RowErrorStatus(kInvalidSmiles, "SMILES syntax error");
    }
    return absl::OkStatus();
  } catch (const std::exception& e) {
    return RowErrorStatus(kInvalidSmiles, e.what());
  } catch (...) {
    return RowErrorStatus(kInvalidSmiles, "RDKit could not read the input");
  }
}

}  // namespace hub::models
