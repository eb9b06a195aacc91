#include "hub/models/metadata.h"

#include <fstream>
#include <set>
#include <sstream>

#include "fmt/format.h"
#include "nlohmann/json.hpp"

#include "hub/common/csv.h"
#include "hub/common/status_macros.h"
#include "hub/common/strings.h"
#include "hub/models/embedded_data.h"

namespace hub::models {
namespace {

using Rows = std::vector<std::vector<std::string>>;

absl::StatusOr<std::string> ReadFile(std::string_view id,
                                     const std::string& metadata_dir,
                                     std::string_view name) {
  std::string relative = fmt::format("{}/{}", id, name);
  if (metadata_dir.empty()) {
    std::optional<std::string_view> contents = FindEmbeddedFile(relative);
    if (!contents) {
      return absl::NotFoundError(fmt::format("no embedded model file {}", relative));
    }
    return std::string(*contents);
  }
  std::string path = fmt::format("{}/{}", metadata_dir, relative);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(fmt::format("cannot open model file {}", path));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Parses CSV text, dropping blank lines (Python's csv reader yields them as empty rows that
// ersilia-pack never uses).
absl::StatusOr<Rows> ParseCsv(std::string_view name, const std::string& text) {
  std::istringstream in(text);
  common::CsvReader reader(in);
  Rows rows;
  std::vector<std::string> fields;
  while (reader.Next(fields)) {
    if (fields.size() == 1 && fields[0].empty()) {
      continue;
    }
    rows.push_back(fields);
  }
  if (!reader.status().ok()) {
    return absl::InvalidArgumentError(
        fmt::format("{}: {}", name, common::ToString(reader.status().message())));
  }
  if (rows.empty()) {
    return absl::InvalidArgumentError(fmt::format("{}: no header", name));
  }
  return rows;
}

absl::StatusOr<Column> ParseColumn(const std::vector<std::string>& row) {
  if (row.size() != 4) {
    return absl::InvalidArgumentError(
        fmt::format("run_columns.csv: row for '{}' has {} fields, expected 4",
                    row.empty() ? "" : row[0], row.size()));
  }
  Column column;
  column.name = row[0];
  column.direction = row[2];
  column.description = row[3];
  if (row[1] == "integer") {
    column.type = ColumnType::kInteger;
    column.format = CellFormat::kInteger;
  } else if (row[1] == "float") {
    column.type = ColumnType::kFloat;
    column.format = CellFormat::kPythonFloat;
  } else if (row[1] == "string") {
    column.type = ColumnType::kString;
    column.format = CellFormat::kPythonFloat;
  } else {
    return absl::InvalidArgumentError(
        fmt::format("run_columns.csv: column '{}' has unsupported type '{}'", row[0], row[1]));
  }
  return column;
}

absl::StatusOr<std::vector<Column>> ParseColumns(const std::string& text) {
  HUB_ASSIGN_OR_RETURN(Rows rows, ParseCsv("run_columns.csv", text));
  const std::vector<std::string> kHeader = {"name", "type", "direction", "description"};
  if (rows[0] != kHeader) {
    return absl::InvalidArgumentError(
        fmt::format("run_columns.csv: header is '{}', expected 'name,type,direction,description'",
                    common::Join(rows[0], ",")));
  }
  std::vector<Column> columns;
  for (size_t i = 1; i < rows.size(); ++i) {
    HUB_ASSIGN_OR_RETURN(Column column, ParseColumn(rows[i]));
    columns.push_back(std::move(column));
  }
  if (columns.empty()) {
    return absl::InvalidArgumentError("run_columns.csv: no columns");
  }
  return columns;
}

// ersilia-pack's inference of `Output Type` from the declared column types.
absl::StatusOr<std::string> InferOutputType(const std::vector<Column>& columns) {
  std::set<ColumnType> types;
  for (const Column& column : columns) {
    types.insert(column.type);
  }
  if (types == std::set<ColumnType>{ColumnType::kInteger}) {
    return "Integer";
  }
  if (types == std::set<ColumnType>{ColumnType::kString}) {
    return "String";
  }
  if (!types.contains(ColumnType::kString)) {
    return "Float";
  }
  return absl::InvalidArgumentError(
      "run_columns.csv: string columns mixed with numeric ones have no Output Type");
}

// Fills the card's missing `Output Type`, `Input Shape` and `Output Shape`.
absl::Status CompleteCard(const std::vector<Column>& columns, nlohmann::ordered_json& card) {
  if (!card.contains("Input Shape")) {
    card["Input Shape"] = "Single";
  }
  if (!card.contains("Output Type")) {
    HUB_ASSIGN_OR_RETURN(std::string type, InferOutputType(columns));
    card["Output Type"] = nlohmann::ordered_json::array({type});
  }
  if (!card.contains("Output Shape")) {
    card["Output Shape"] = "List";
  }
  return absl::OkStatus();
}

absl::StatusOr<nlohmann::ordered_json> ParseCard(const std::string& text) {
  nlohmann::ordered_json card =
      nlohmann::ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!card.is_object()) {
    return absl::InvalidArgumentError("metadata.json: not a JSON object");
  }
  for (const char* key : {"Identifier", "Slug"}) {
    if (!card.contains(key) || !card[key].is_string()) {
      return absl::InvalidArgumentError(fmt::format("metadata.json: no string '{}'", key));
    }
  }
  return card;
}

absl::Status AddExamples(const ModelFiles& files, ModelInfo& info) {
  HUB_ASSIGN_OR_RETURN(Rows inputs, ParseCsv("run_input.csv", files.run_input_csv));
  info.example_input_columns = inputs[0];
  for (size_t i = 1; i < inputs.size(); ++i) {
    info.example_inputs.insert(info.example_inputs.end(), inputs[i].begin(), inputs[i].end());
  }

  HUB_ASSIGN_OR_RETURN(Rows outputs, ParseCsv("run_output.csv", files.run_output_csv));
  info.example_output_columns = outputs[0];
  std::vector<std::string> names;
  for (const Column& column : info.columns) {
    names.push_back(column.name);
  }
  if (info.example_output_columns != names) {
    return absl::InvalidArgumentError(
        "run_output.csv: header differs from the columns of run_columns.csv");
  }
  info.example_outputs.assign(outputs.begin() + 1, outputs.end());
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ModelFiles> ReadModelFiles(std::string_view id, const std::string& metadata_dir) {
  ModelFiles files;
  HUB_ASSIGN_OR_RETURN(files.metadata_json, ReadFile(id, metadata_dir, "metadata.json"));
  HUB_ASSIGN_OR_RETURN(files.run_columns_csv, ReadFile(id, metadata_dir, "run_columns.csv"));
  HUB_ASSIGN_OR_RETURN(files.run_input_csv, ReadFile(id, metadata_dir, "run_input.csv"));
  HUB_ASSIGN_OR_RETURN(files.run_output_csv, ReadFile(id, metadata_dir, "run_output.csv"));
  return files;
}

absl::StatusOr<ModelInfo> BuildModelInfo(const ModelFiles& files) {
  ModelInfo info;
  HUB_ASSIGN_OR_RETURN(info.columns, ParseColumns(files.run_columns_csv));
  HUB_ASSIGN_OR_RETURN(nlohmann::ordered_json card, ParseCard(files.metadata_json));
  HUB_RETURN_IF_ERROR(CompleteCard(info.columns, card));

  info.id = card["Identifier"].get<std::string>();
  info.slug = card["Slug"].get<std::string>();
  info.json_integers = card["Output Type"] == nlohmann::ordered_json::array({"Integer"});
  info.card_json =
      card.dump(-1, ' ', /*ensure_ascii=*/false, nlohmann::ordered_json::error_handler_t::replace);
  info.card = nlohmann::json::parse(info.card_json);
  HUB_RETURN_IF_ERROR(AddExamples(files, info));
  return info;
}

absl::StatusOr<ModelInfo> LoadModelInfo(std::string_view id, const std::string& metadata_dir) {
  HUB_ASSIGN_OR_RETURN(ModelFiles files, ReadModelFiles(id, metadata_dir));
  HUB_ASSIGN_OR_RETURN(ModelInfo info, BuildModelInfo(files));
  if (info.id != id) {
    return absl::InvalidArgumentError(
        fmt::format("metadata of model {} names the Identifier {}", id, info.id));
  }
  return info;
}

}  // namespace hub::models
