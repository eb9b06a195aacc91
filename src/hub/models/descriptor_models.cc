#include "hub/models/descriptor_models.h"

#include <cmath>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fmt/format.h"
#include <GraphMol/Descriptors/Crippen.h>
#include <GraphMol/Descriptors/Lipinski.h>
#include <GraphMol/Descriptors/MolDescriptors.h>
#include <GraphMol/Descriptors/MolSurf.h>
#include <GraphMol/ROMol.h>

#include "hub/common/strings.h"
#include "hub/models/descriptors/estate.h"
#include "hub/models/descriptors/mol_descriptors.h"
#include "hub/models/descriptors/qed.h"
#include "hub/models/descriptors/rdkit_descriptor_set.h"
#include "hub/models/sa_score.h"

namespace hub::models {
namespace {

namespace rd = RDKit::Descriptors;

// eos4djh's columns (model/framework/code/main.py; "heterocyles" is datamol's spelling).
const std::vector<std::string_view> kDatamolColumns = {
    "mw",
    "fsp3",
    "n_lipinski_hba",
    "n_lipinski_hbd",
    "n_rings",
    "n_hetero_atoms",
    "n_heavy_atoms",
    "n_rotatable_bonds",
    "n_radical_electrons",
    "tpsa",
    "qed",
    "clogp",
    "sas",
    "n_aliphatic_carbocycles",
    "n_aliphatic_heterocyles",
    "n_aliphatic_rings",
    "n_aromatic_carbocycles",
    "n_aromatic_heterocyles",
    "n_aromatic_rings",
    "n_saturated_carbocycles",
    "n_saturated_heterocyles",
    "n_saturated_rings",
};

absl::Status CheckColumnNames(const ModelInfo& info, const std::vector<std::string>& expected) {
  bool same = info.columns.size() == expected.size();
  for (size_t i = 0; same && i < expected.size(); ++i) {
    same = info.columns[i].name == expected[i];
  }
  if (!same) {
    return absl::InvalidArgumentError(fmt::format(
        "model {} publishes {} columns that are not the {} it computes ({}, ...)", info.id,
        info.columns.size(), expected.size(), expected.empty() ? "" : expected[0]));
  }
  return absl::OkStatus();
}

// RDKit throws on molecules it cannot handle; the model boundary turns that into a status.
template <typename Fn>
absl::Status GuardRdkit(std::string_view model_id, Fn&& fn) {
  try {
    return fn();
  } catch (const std::exception& e) {
    return absl::InternalError(fmt::format("{}: RDKit failed: {}", model_id, e.what()));
  } catch (...) {
    return absl::InternalError(fmt::format("{}: RDKit failed", model_id));
  }
}

class DescriptorModel : public Model {
public:
  explicit DescriptorModel(ModelInfo info) : info_(std::move(info)) {}

  const ModelInfo& info() const final { return info_; }

private:
  ModelInfo info_;
};

class DatamolDescriptorsModel final : public DescriptorModel {
public:
  DatamolDescriptorsModel(ModelInfo info, std::shared_ptr<const SaScoreTable> sa_scores)
      : DescriptorModel(std::move(info)), sa_scores_(std::move(sa_scores)) {}

  absl::Status Compute(const RDKit::ROMol& mol, std::vector<double>& values) const override {
    return GuardRdkit(info().id, [&] { return ComputeUnguarded(mol, values); });
  }

private:
  absl::Status ComputeUnguarded(const RDKit::ROMol& mol, std::vector<double>& values) const {
    // Columns in `kDatamolColumns` order; each is the RDKit function datamol binds to it.
    double clogp = 0;
    double mr = 0;
    rd::calcCrippenDescriptors(mol, clogp, mr);
    absl::StatusOr<double> qed = qed_.Compute(mol, clogp);
    if (!qed.ok()) {
      return qed.status();
    }
    const double sas = SaScore(mol, *sa_scores_);
    if (std::isnan(sas)) {
      return absl::InvalidArgumentError("the molecule has no atoms");
    }
    values = {rd::calcExactMW(mol),
              rd::calcFractionCSP3(mol),
              static_cast<double>(rd::calcLipinskiHBA(mol)),
              static_cast<double>(rd::calcLipinskiHBD(mol)),
              static_cast<double>(rd::calcNumRings(mol)),
              static_cast<double>(rd::calcNumHeteroatoms(mol)),
              static_cast<double>(mol.getNumHeavyAtoms()),
              static_cast<double>(rd::calcNumRotatableBonds(mol)),
              static_cast<double>(descriptors::NumRadicalElectrons(mol)),
              rd::calcTPSA(mol),
              *qed,
              clogp,
              sas,
              static_cast<double>(rd::calcNumAliphaticCarbocycles(mol)),
              static_cast<double>(rd::calcNumAliphaticHeterocycles(mol)),
              static_cast<double>(rd::calcNumAliphaticRings(mol)),
              static_cast<double>(rd::calcNumAromaticCarbocycles(mol)),
              static_cast<double>(rd::calcNumAromaticHeterocycles(mol)),
              static_cast<double>(rd::calcNumAromaticRings(mol)),
              static_cast<double>(rd::calcNumSaturatedCarbocycles(mol)),
              static_cast<double>(rd::calcNumSaturatedHeterocycles(mol)),
              static_cast<double>(rd::calcNumSaturatedRings(mol))};
    return absl::OkStatus();
  }

  descriptors::QedCalculator qed_;
  std::shared_ptr<const SaScoreTable> sa_scores_;
};

class EStateCountsModel final : public DescriptorModel {
public:
  using DescriptorModel::DescriptorModel;

  absl::Status Compute(const RDKit::ROMol& mol, std::vector<double>& values) const override {
    return GuardRdkit(info().id, [&] {
      // Python's EStateIndices (computed first by FingerprintMol) fails on an empty molecule.
      if (mol.getNumAtoms() == 0) {
        return absl::InvalidArgumentError("the molecule has no atoms");
      }
      const auto fp = types_.FingerprintMol(mol, descriptors::EStateIndices(mol));
      values.assign(fp.counts.begin(), fp.counts.end());
      return absl::OkStatus();
    });
  }

private:
  descriptors::EStateAtomTypes types_;
};

class RdkitDescriptorsModel final : public DescriptorModel {
public:
  using DescriptorModel::DescriptorModel;

  absl::Status Compute(const RDKit::ROMol& mol, std::vector<double>& values) const override {
    return set_.Compute(mol, values);
  }

private:
  descriptors::RdkitDescriptorSet set_;
};

std::vector<std::string> Names(const std::vector<std::string_view>& names, bool lowercase) {
  std::vector<std::string> result;
  result.reserve(names.size());
  for (std::string_view name : names) {
    result.push_back(lowercase ? common::ToLower(name) : std::string(name));
  }
  return result;
}

void SetFormats(ModelInfo& info, CellFormat format) {
  for (Column& column : info.columns) {
    column.format = format;
  }
}

}  // namespace

absl::StatusOr<ModelPtr> NewDatamolDescriptorsModel(ModelInfo info,
                                                    const ModelResources& resources) {
  if (absl::Status status = CheckColumnNames(info, Names(kDatamolColumns, false)); !status.ok()) {
    return status;
  }
  if (resources.sa_scores == nullptr) {
    return absl::FailedPreconditionError(
        fmt::format("model {} needs the SA score table, which was not loaded", info.id));
  }
  // The declared types decide the cells (`8` for counts, repr for floats), as published.
  return std::make_unique<DatamolDescriptorsModel>(std::move(info), resources.sa_scores);
}

absl::StatusOr<ModelPtr> NewEStateCountsModel(ModelInfo info, const ModelResources&) {
  std::vector<std::string> names;
  names.reserve(descriptors::EStateAtomTypes::kNumTypes);
  for (int i = 0; i < descriptors::EStateAtomTypes::kNumTypes; ++i) {
    names.push_back(fmt::format("feature_{:02d}", i));
  }
  if (absl::Status status = CheckColumnNames(info, names); !status.ok()) {
    return status;
  }
  // molfeat returns integer counts, which the model's csv.writer prints as `8`.
  SetFormats(info, CellFormat::kInteger);
  return std::make_unique<EStateCountsModel>(std::move(info));
}

absl::StatusOr<ModelPtr> NewRdkitDescriptorsModel(ModelInfo info, const ModelResources&) {
  const auto names = Names(descriptors::RdkitDescriptorSet::Names(), /*lowercase=*/true);
  if (absl::Status status = CheckColumnNames(info, names); !status.ok()) {
    return status;
  }
  // The model stacks rows into a float64 numpy array: counts print as `27.0`.
  SetFormats(info, CellFormat::kPythonFloat);
  return std::make_unique<RdkitDescriptorsModel>(std::move(info));
}

}  // namespace hub::models
