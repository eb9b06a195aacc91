#pragma once

// Loading a model's published description: its card (`metadata.json`), output columns
// (`run_columns.csv`) and examples (`run_input.csv`, `run_output.csv`).

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

#include "hub/models/model.h"

namespace hub::models {

// The four published files of one model, as text.
struct ModelFiles {
  std::string metadata_json;
  std::string run_columns_csv;
  std::string run_input_csv;
  std::string run_output_csv;
};

// Reads the files of model `id` from `<metadata_dir>/<id>/`, or from the copies embedded in
// the binary when `metadata_dir` is empty. Returns NotFound when a file is missing.
[[nodiscard]] absl::StatusOr<ModelFiles> ReadModelFiles(std::string_view id,
                                                        const std::string& metadata_dir);

// Builds the `ModelInfo` of a model from its files, filling the card as ersilia-pack serves
// it: `Output Type` inferred from the column types when missing (only integer -> Integer,
// only float -> Float, only string -> String, float and integer -> Float), `Input Shape`
// "Single" and `Output Shape` "List" when missing, appended after the published keys.
// Column formats follow the declared types (integer -> `kInteger`, else `kPythonFloat`);
// a model with another cell format adjusts them afterwards.
//
// Returns InvalidArgument when a file is malformed: not a JSON object, no string
// `Identifier`/`Slug`, a columns header other than `name,type,direction,description`, an
// unknown column type or mixture, or an example output header that differs from the columns.
[[nodiscard]] absl::StatusOr<ModelInfo> BuildModelInfo(const ModelFiles& files);

// `ReadModelFiles` followed by `BuildModelInfo`, checking that the card's `Identifier` is
// `id`.
[[nodiscard]] absl::StatusOr<ModelInfo> LoadModelInfo(std::string_view id,
                                                      const std::string& metadata_dir);

}  // namespace hub::models
