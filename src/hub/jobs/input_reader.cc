#include "hub/jobs/input_reader.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <sstream>

#include "fmt/format.h"

#include "hub/common/status_macros.h"
#include "hub/common/strings.h"

namespace hub::jobs {
namespace {

constexpr size_t kLookaheadRows = 6;
constexpr size_t kSniffBytes = 8192;

constexpr std::array<std::string_view, 9> kSmilesNames = {
    "smiles",    "input",         "canonical_smiles", "smi", "molecule", "mol",
    "structure", "smiles_string", "isomeric_smiles"};
constexpr std::array<std::string_view, 10> kIdNames = {
    "key",    "id",          "name",     "identifier", "compound_id",
    "mol_id", "molecule_id", "inchikey", "title",      "compound"};

bool IsIn(std::string_view field, const auto& names) {
  std::string lower = common::ToLower(common::Trim(field));
  return std::find(names.begin(), names.end(), lower) != names.end();
}

char Delimiter(InputFormat format) {
  return format == InputFormat::kTsv ? '\t' : ',';
}

// Looks at the start of the input: refuses binary data and guesses the format.
absl::StatusOr<InputFormat> Sniff(std::istream& in, InputFormat format) {
  std::string head(kSniffBytes, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  in.clear();
  in.seekg(0);
  size_t nul = head.find('\0');
  if (nul != std::string::npos) {
    return absl::InvalidArgumentError(fmt::format(
        "the input looks like a binary file (a NUL byte at offset {}); send CSV, SMILES or "
        "plain text, one molecule per line",
        nul));
  }
  if (format != InputFormat::kAuto) {
    return format;
  }
  std::string_view first = head;
  first = first.substr(0, first.find_first_of("\r\n"));
  if (first.find(',') != std::string_view::npos) {
    return InputFormat::kCsv;
  }
  if (first.find('\t') != std::string_view::npos) {
    return InputFormat::kTsv;
  }
  if (common::Trim(first).find(' ') != std::string_view::npos) {
    return InputFormat::kSmi;
  }
  return InputFormat::kText;
}

// A column chosen by the client: a header name or a 1-based position.
absl::StatusOr<int> ResolveColumn(std::string_view spec,
                                  const InputShape& shape,
                                  size_t field_count,
                                  std::string_view what) {
  int position = 0;
  auto [end, ec] = std::from_chars(spec.data(), spec.data() + spec.size(), position);
  if (ec == std::errc() && end == spec.data() + spec.size()) {
    if (position < 1 || static_cast<size_t>(position) > field_count) {
      return absl::InvalidArgumentError(fmt::format(
          "{} column {} does not exist: the input has {} column(s)", what, position, field_count));
    }
    return position - 1;
  }
  if (!shape.header) {
    return absl::InvalidArgumentError(fmt::format(
        "{} column '{}' is a name, but the input has no header; give a 1-based position", what,
        spec));
  }
  for (size_t i = 0; i < shape.columns.size(); ++i) {
    if (common::ToLower(common::Trim(shape.columns[i])) == common::ToLower(spec)) {
      return static_cast<int>(i);
    }
  }
  return absl::InvalidArgumentError(fmt::format("{} column '{}' is not in the header ({})", what,
                                                spec, common::Join(shape.columns, ", ")));
}

// Whether the first lookahead row is a header, and why (`shape.header`, `header_reason`).
void DecideHeader(const std::vector<std::vector<std::string>>& lookahead,
                  const InputOptions& options,
                  const std::function<bool(const std::string&)>& looks_like_smiles,
                  InputShape& shape) {
  if (options.has_header.has_value()) {
    shape.header = *options.has_header;
    shape.header_reason = shape.header ? "has_header=true was given" : "has_header=false was given";
    return;
  }
  const std::vector<std::string>& first = lookahead[0];
  auto named = std::find_if(first.begin(), first.end(), [](const std::string& f) {
    return IsIn(f, kSmilesNames) || IsIn(f, kIdNames);
  });
  if (named != first.end()) {
    shape.header = true;
    shape.header_reason =
        fmt::format("the first line has the column name '{}'", common::Trim(*named));
    return;
  }
  bool first_reads = std::any_of(first.begin(), first.end(), [&](const std::string& f) {
    return looks_like_smiles(std::string(common::Trim(f)));
  });
  bool later_reads = false;
  for (size_t i = 1; i < lookahead.size() && !later_reads; ++i) {
    for (const std::string& f : lookahead[i]) {
      later_reads = later_reads || looks_like_smiles(std::string(common::Trim(f)));
    }
  }
  shape.header = !first_reads && later_reads;
  shape.header_reason = shape.header
                            ? "the first line is not SMILES while the next lines are"
                            : "the first line reads as data (no column name, and it is SMILES or "
                              "no line is)";
}

// The SMILES column: as given, else by header name, else the first field of `sample` that
// reads as SMILES, else the first.
absl::Status DecideSmilesColumn(const std::vector<std::string>& sample,
                                size_t field_count,
                                const InputOptions& options,
                                const std::function<bool(const std::string&)>& looks_like_smiles,
                                InputShape& shape) {
  if (!options.smiles_column.empty()) {
    HUB_ASSIGN_OR_RETURN(shape.smiles_column,
                         ResolveColumn(options.smiles_column, shape, field_count, "SMILES"));
    return absl::OkStatus();
  }
  if (shape.header) {
    auto it = std::find_if(shape.columns.begin(), shape.columns.end(),
                           [](const std::string& c) { return IsIn(c, kSmilesNames); });
    shape.smiles_column =
        it == shape.columns.end() ? 0 : static_cast<int>(it - shape.columns.begin());
    return absl::OkStatus();
  }
  shape.smiles_column = 0;
  for (size_t i = 0; i < sample.size(); ++i) {
    if (looks_like_smiles(std::string(common::Trim(sample[i])))) {
      shape.smiles_column = static_cast<int>(i);
      break;
    }
  }
  return absl::OkStatus();
}

// The id column: "none", as given, else by header name, else the other of two fields.
absl::Status DecideIdColumn(size_t field_count, const InputOptions& options, InputShape& shape) {
  std::string id_spec = common::ToLower(options.id_column);
  if (id_spec == "none") {
    shape.id_column = -1;
  } else if (!options.id_column.empty()) {
    HUB_ASSIGN_OR_RETURN(shape.id_column,
                         ResolveColumn(options.id_column, shape, field_count, "id"));
  } else if (shape.header) {
    for (size_t i = 0; i < shape.columns.size(); ++i) {
      if (static_cast<int>(i) != shape.smiles_column && IsIn(shape.columns[i], kIdNames)) {
        shape.id_column = static_cast<int>(i);
        break;
      }
    }
  } else if (field_count == 2) {
    shape.id_column = 1 - shape.smiles_column;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<InputFormat> ParseInputFormat(std::string_view text) {
  std::string lower = common::ToLower(common::Trim(text));
  if (lower.empty() || lower == "auto") {
    return InputFormat::kAuto;
  }
  if (lower == "csv") {
    return InputFormat::kCsv;
  }
  if (lower == "tsv") {
    return InputFormat::kTsv;
  }
  if (lower == "smi") {
    return InputFormat::kSmi;
  }
  if (lower == "txt" || lower == "text") {
    return InputFormat::kText;
  }
  return absl::InvalidArgumentError(
      fmt::format("unknown input format '{}': use csv, tsv, smi, txt or auto", text));
}

std::string_view InputFormatName(InputFormat format) {
  switch (format) {
    case InputFormat::kAuto:
      return "auto";
    case InputFormat::kCsv:
      return "csv";
    case InputFormat::kTsv:
      return "tsv";
    case InputFormat::kSmi:
      return "smi";
    case InputFormat::kText:
      return "txt";
  }
  return "auto";
}

InputFormat FormatFromName(std::string_view filename, std::string_view media_type) {
  std::string name = common::ToLower(filename);
  auto ends_with = [&name](std::string_view suffix) {
    return name.ends_with(suffix);
  };
  if (ends_with(".csv")) {
    return InputFormat::kCsv;
  }
  if (ends_with(".tsv") || ends_with(".tab")) {
    return InputFormat::kTsv;
  }
  if (ends_with(".smi") || ends_with(".smiles")) {
    return InputFormat::kSmi;
  }
  if (ends_with(".txt")) {
    return InputFormat::kText;
  }
  std::string media = common::ToLower(media_type);
  if (media == "text/csv") {
    return InputFormat::kCsv;
  }
  if (media == "text/tab-separated-values") {
    return InputFormat::kTsv;
  }
  if (media == "chemical/x-daylight-smiles") {
    return InputFormat::kSmi;
  }
  return InputFormat::kAuto;
}

std::string EntriesToText(const std::vector<std::string>& entries) {
  std::string text;
  for (const std::string& entry : entries) {
    text.append(entry);
    text.push_back('\n');
  }
  return text;
}

InputReader::InputReader(std::unique_ptr<std::istream> in, const InputOptions& options)
    : in_(std::move(in)), max_field_bytes_(options.max_field_bytes) {}

absl::StatusOr<std::unique_ptr<InputReader>> InputReader::Open(
    std::unique_ptr<std::istream> in,
    const InputOptions& options,
    const std::function<bool(const std::string&)>& looks_like_smiles) {
  auto reader = std::unique_ptr<InputReader>(new InputReader(std::move(in), options));
  HUB_ASSIGN_OR_RETURN(reader->shape_.format, Sniff(*reader->in_, options.format));
  if (reader->shape_.format == InputFormat::kCsv || reader->shape_.format == InputFormat::kTsv) {
    common::CsvReader::Options csv;
    csv.delimiter = Delimiter(reader->shape_.format);
    csv.max_field_bytes = options.max_field_bytes;
    reader->csv_ = std::make_unique<common::CsvReader>(*reader->in_, csv);
  }
  std::vector<std::string> fields;
  while (reader->lookahead_.size() < kLookaheadRows && reader->ReadFields(fields)) {
    reader->lookahead_.push_back(fields);
  }
  HUB_RETURN_IF_ERROR(reader->status_);
  HUB_RETURN_IF_ERROR(reader->DecideShape(options, looks_like_smiles));
  return reader;
}

namespace {

// Reads up to the next '\n' (dropped) into `line`, keeping at most `limit` bytes so that an
// endless line costs no more memory than the limit; `too_long` tells whether bytes were left
// out (the rest of the line is not consumed). Returns false at the end of the input.
bool ReadBoundedLine(std::istream& in, size_t limit, std::string& line, bool& too_long) {
  line.clear();
  too_long = false;
  std::streambuf* buffer = in.rdbuf();
  for (;;) {
    int c = buffer->sbumpc();
    if (c == std::char_traits<char>::eof()) {
      in.setstate(std::ios::eofbit);
      return !line.empty();
    }
    if (c == '\n') {
      return true;
    }
    if (line.size() == limit) {
      too_long = true;
      return true;
    }
    line.push_back(static_cast<char>(c));
  }
}

}  // namespace

// Reads one record as fields, in the reader's format. Lines of .smi files are split on the
// first run of whitespace (SMILES, then the name); text lines are one field.
bool InputReader::ReadFields(std::vector<std::string>& fields) {
  if (csv_) {
    if (!csv_->Next(fields)) {
      status_ = csv_->status();
      return false;
    }
    return true;
  }
  std::string line;
  bool too_long = false;
  if (!ReadBoundedLine(*in_, max_field_bytes_ + 1, line, too_long)) {
    return false;
  }
  if (!line.empty() && line.back() == '\r') {
    line.pop_back();
  }
  if (too_long || line.size() > max_field_bytes_) {
    status_ = absl::InvalidArgumentError(
        fmt::format("a line is longer than the limit of {} bytes; put one molecule per line",
                    max_field_bytes_));
    return false;
  }
  fields.clear();
  std::string_view text = common::Trim(line);
  size_t space =
      shape_.format == InputFormat::kSmi ? text.find_first_of(" \t") : std::string_view::npos;
  fields.emplace_back(text.substr(0, space));
  if (space != std::string_view::npos) {
    fields.emplace_back(common::Trim(text.substr(space)));
  }
  return true;
}

absl::Status InputReader::DecideShape(
    const InputOptions& options, const std::function<bool(const std::string&)>& looks_like_smiles) {
  if (lookahead_.empty()) {
    return absl::InvalidArgumentError("the input is empty: send at least one molecule");
  }
  const std::vector<std::string>& first = lookahead_[0];
  DecideHeader(lookahead_, options, looks_like_smiles, shape_);
  if (shape_.header) {
    shape_.columns.clear();
    for (const std::string& f : first) {
      shape_.columns.emplace_back(common::Trim(f));
    }
    lookahead_pos_ = 1;
    if (lookahead_.size() == 1) {
      return absl::InvalidArgumentError(
          "the input has a header line but no molecules: send at least one molecule");
    }
  }
  size_t field_count = first.size();
  HUB_RETURN_IF_ERROR(DecideSmilesColumn(lookahead_[lookahead_pos_], field_count, options,
                                         looks_like_smiles, shape_));
  return DecideIdColumn(field_count, options, shape_);
}

void InputReader::Emit(const std::vector<std::string>& fields, InputRow& row) {
  auto field = [&fields](int column) {
    return column >= 0 && static_cast<size_t>(column) < fields.size()
               ? std::string(common::Trim(fields[column]))
               : std::string();
  };
  row.index = next_index_++;
  row.smiles = field(shape_.smiles_column);
  row.id = field(shape_.id_column);
}

bool InputReader::Next(InputRow& row) {
  if (lookahead_pos_ < lookahead_.size()) {
    Emit(lookahead_[lookahead_pos_++], row);
    return true;
  }
  if (csv_done_ || !status_.ok()) {
    return false;
  }
  std::vector<std::string> fields;
  if (!ReadFields(fields)) {
    csv_done_ = true;
    return false;
  }
  Emit(fields, row);
  return true;
}

}  // namespace hub::jobs
