#include "hub/models/builtin_models.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "fmt/format.h"
#include <DataStructs/ExplicitBitVect.h>
#include <DataStructs/SparseIntVect.h>
#include <GraphMol/Descriptors/MolDescriptors.h>
#include <GraphMol/Fingerprints/FingerprintGenerator.h>
#include <GraphMol/Fingerprints/Fingerprints.h>
#include <GraphMol/Fingerprints/MorganFingerprints.h>
#include <GraphMol/Fingerprints/MorganGenerator.h>
#include <GraphMol/ROMol.h>
#include <GraphMol/ReducedGraphs/ReducedGraphs.h>
#include <Numerics/Vector.h>

namespace hub::models {
namespace {

constexpr unsigned kFingerprintBits = 2048;
constexpr size_t kErgValues = 315;

// Base of the built-in models: owns the info; `Compute` is the model's.
class BuiltinModel : public Model {
public:
  explicit BuiltinModel(ModelInfo info) : info_(std::move(info)) {}

  const ModelInfo& info() const final { return info_; }

private:
  ModelInfo info_;
};

// Writes the set bits of `fp` as 0/1 values.
void WriteBits(const ExplicitBitVect& fp, std::vector<double>& values) {
  std::fill(values.begin(), values.end(), 0.0);
  const boost::dynamic_bitset<>& bits = *fp.dp_bits;
  for (size_t i = bits.find_first(); i != boost::dynamic_bitset<>::npos; i = bits.find_next(i)) {
    values[i] = 1.0;
  }
}

class MolecularWeightModel final : public BuiltinModel {
public:
  using BuiltinModel::BuiltinModel;

  absl::Status Compute(const RDKit::ROMol& mol, std::vector<double>& values) const override {
    values[0] = RDKit::Descriptors::calcAMW(mol);
    return absl::OkStatus();
  }
};

class MorganBitsModel final : public BuiltinModel {
public:
  using BuiltinModel::BuiltinModel;

  absl::Status Compute(const RDKit::ROMol& mol, std::vector<double>& values) const override {
    std::unique_ptr<ExplicitBitVect> fp(RDKit::MorganFingerprints::getFingerprintAsBitVect(
        mol, /*radius=*/3, kFingerprintBits, nullptr, nullptr, /*useChirality=*/true));
    WriteBits(*fp, values);
    return absl::OkStatus();
  }
};

class MorganCountsModel final : public BuiltinModel {
public:
  explicit MorganCountsModel(ModelInfo info)
      : BuiltinModel(std::move(info)),
        generator_(RDKit::MorganFingerprint::getMorganGenerator<std::uint32_t>(/*radius=*/3)) {}

  absl::Status Compute(const RDKit::ROMol& mol, std::vector<double>& values) const override {
    std::unique_ptr<RDKit::SparseIntVect<std::uint32_t>> fp(generator_->getCountFingerprint(mol));
    std::fill(values.begin(), values.end(), 0.0);
    for (const auto& [index, count] : fp->getNonzeroElements()) {
      values[index] = std::min(count, 255);
    }
    return absl::OkStatus();
  }

private:
  // Its methods are const and keep no per-call state, so threads share it.
  std::unique_ptr<RDKit::FingerprintGenerator<std::uint32_t>> generator_;
};

class RdkitFingerprintModel final : public BuiltinModel {
public:
  using BuiltinModel::BuiltinModel;

  absl::Status Compute(const RDKit::ROMol& mol, std::vector<double>& values) const override {
    // Bits are 0/1, so the model's clipping of values at 127 changes nothing.
    std::unique_ptr<ExplicitBitVect> fp(
        RDKit::RDKFingerprintMol(mol, /*minPath=*/1, /*maxPath=*/7, kFingerprintBits));
    WriteBits(*fp, values);
    return absl::OkStatus();
  }
};

class ErgModel final : public BuiltinModel {
public:
  using BuiltinModel::BuiltinModel;

  absl::Status Compute(const RDKit::ROMol& mol, std::vector<double>& values) const override {
    std::unique_ptr<RDNumeric::DoubleVector> fp(RDKit::ReducedGraphs::getErGFingerprint(mol));
    if (fp->size() != values.size()) {
      return absl::InternalError(fmt::format("ErG gave {} values", fp->size()));
    }
    std::copy(fp->getData(), fp->getData() + fp->size(), values.begin());
    return absl::OkStatus();
  }
};

class NpScoreModel final : public BuiltinModel {
public:
  NpScoreModel(ModelInfo info, std::shared_ptr<const NpModel> np_model)
      : BuiltinModel(std::move(info)), np_model_(std::move(np_model)) {}

  absl::Status Compute(const RDKit::ROMol& mol, std::vector<double>& values) const override {
    absl::StatusOr<NpLikeness> likeness = NpScore(mol, *np_model_);
    if (!likeness.ok()) {
      return likeness.status();
    }
    values[0] = likeness->score;
    values[1] = likeness->confidence;
    return absl::OkStatus();
  }

private:
  std::shared_ptr<const NpModel> np_model_;
};

class SaScoreModel final : public BuiltinModel {
public:
  SaScoreModel(ModelInfo info, std::shared_ptr<const SaScoreTable> table)
      : BuiltinModel(std::move(info)), table_(std::move(table)) {}

  absl::Status Compute(const RDKit::ROMol& mol, std::vector<double>& values) const override {
    double score = SaScore(mol, *table_);
    if (std::isnan(score)) {
      return absl::InvalidArgumentError("the molecule has no atoms");
    }
    values[0] = score;
    return absl::OkStatus();
  }

private:
  std::shared_ptr<const SaScoreTable> table_;
};

absl::Status CheckColumns(const ModelInfo& info, size_t expected) {
  if (info.columns.size() != expected) {
    return absl::InvalidArgumentError(fmt::format("model {} publishes {} columns, expected {}",
                                                  info.id, info.columns.size(), expected));
  }
  return absl::OkStatus();
}

absl::Status MissingResource(const ModelInfo& info, std::string_view what) {
  return absl::FailedPreconditionError(
      fmt::format("model {} needs the {}, which was not loaded", info.id, what));
}

template <typename ModelType>
absl::StatusOr<ModelPtr> NewSimpleModel(ModelInfo info, size_t columns) {
  if (absl::Status status = CheckColumns(info, columns); !status.ok()) {
    return status;
  }
  return std::make_unique<ModelType>(std::move(info));
}

}  // namespace

absl::StatusOr<ModelPtr> NewMolecularWeightModel(ModelInfo info, const ModelResources&) {
  return NewSimpleModel<MolecularWeightModel>(std::move(info), 1);
}

absl::StatusOr<ModelPtr> NewMorganBitsModel(ModelInfo info, const ModelResources&) {
  return NewSimpleModel<MorganBitsModel>(std::move(info), kFingerprintBits);
}

absl::StatusOr<ModelPtr> NewMorganCountsModel(ModelInfo info, const ModelResources&) {
  return NewSimpleModel<MorganCountsModel>(std::move(info), kFingerprintBits);
}

absl::StatusOr<ModelPtr> NewRdkitFingerprintModel(ModelInfo info, const ModelResources&) {
  return NewSimpleModel<RdkitFingerprintModel>(std::move(info), kFingerprintBits);
}

absl::StatusOr<ModelPtr> NewErgModel(ModelInfo info, const ModelResources&) {
  return NewSimpleModel<ErgModel>(std::move(info), kErgValues);
}

absl::StatusOr<ModelPtr> NewNpScoreModel(ModelInfo info, const ModelResources& resources) {
  if (absl::Status status = CheckColumns(info, 2); !status.ok()) {
    return status;
  }
  if (resources.np_model == nullptr) {
    return MissingResource(info, "NP score model");
  }
  return std::make_unique<NpScoreModel>(std::move(info), resources.np_model);
}

absl::StatusOr<ModelPtr> NewSaScoreModel(ModelInfo info, const ModelResources& resources) {
  if (absl::Status status = CheckColumns(info, 1); !status.ok()) {
    return status;
  }
  if (resources.sa_scores == nullptr) {
    return MissingResource(info, "SA score table");
  }
  // eos9ei3 prints the score with "%3f", which is six decimals.
  info.columns[0].format = CellFormat::kFixed6;
  return std::make_unique<SaScoreModel>(std::move(info), resources.sa_scores);
}

}  // namespace hub::models
