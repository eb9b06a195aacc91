#include "hub/store/sql_text.h"

#include <algorithm>
#include <cctype>

#include "fmt/format.h"

#include "hub/common/strings.h"

namespace hub::store {
namespace {

constexpr std::string_view kSchemaToken = "{schema}";
// SQLite's limit on ?NNN (SQLITE_MAX_VARIABLE_NUMBER is 32766 since 3.32).
constexpr int kMaxPlaceholder = 32766;

bool IsIdentChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

// A single pass over SQL text that copies literals and comments verbatim and rewrites the
// schema token and (in statements) placeholders.
class Rewriter {
public:
  Rewriter(std::string_view sql, bool statement, Dialect dialect, std::string_view schema_sql)
      : sql_(sql), statement_(statement), dialect_(dialect), schema_sql_(schema_sql) {}

  absl::StatusOr<SqlText> Run() {
    out_.text.reserve(sql_.size() + 16);
    while (pos_ < sql_.size()) {
      absl::Status status = Step();
      if (!status.ok()) {
        return status;
      }
    }
    if (statement_) {
      return CheckPlaceholders();
    }
    return std::move(out_);
  }

private:
  absl::Status Step() {
    char c = sql_[pos_];
    bool comment = sql_.substr(pos_, 2) == "--" || sql_.substr(pos_, 2) == "/*";
    if (statement_ && after_semicolon_ && !comment && c != ';' &&
        std::isspace(static_cast<unsigned char>(c)) == 0) {
      return absl::InvalidArgumentError(
          "Exec takes exactly one statement; use ExecScript for several");
    }
    after_semicolon_ = after_semicolon_ || c == ';';
    if (c == '\'' || c == '"') {
      CopyQuoted(c);
    } else if (sql_.substr(pos_, 2) == "--") {
      CopyUntil("\n");
    } else if (sql_.substr(pos_, 2) == "/*") {
      CopyUntil("*/");
    } else if (sql_.substr(pos_, kSchemaToken.size()) == kSchemaToken) {
      ReplaceSchema();
    } else if (statement_ && c == '$' && pos_ + 1 < sql_.size() && IsDigit(sql_[pos_ + 1])) {
      return RewritePlaceholder();
    } else if (IsIdentChar(c)) {
      CopyWord();
    } else {
      depth_ += c == '(' ? 1 : (c == ')' ? -1 : 0);
      out_.text.push_back(c);
      ++pos_;
    }
    return absl::OkStatus();
  }

  // Words at parenthesis depth 0 tell the statement kind: the first one, or after WITH the
  // first SELECT / INSERT / UPDATE / DELETE / MERGE / VALUES that follows the CTE list.
  void CopyWord() {
    size_t end = pos_;
    while (end < sql_.size() && IsIdentChar(sql_[end])) {
      ++end;
    }
    std::string_view word = sql_.substr(pos_, end - pos_);
    out_.text.append(word);
    pos_ = end;
    if (depth_ != 0 || kind_decided_) {
      return;
    }
    std::string lower = common::ToLower(word);
    if (!after_with_ && lower == "with") {
      after_with_ = true;
      return;
    }
    bool main = lower == "select" || lower == "insert" || lower == "update" || lower == "delete" ||
                lower == "merge" || lower == "values" || lower == "show";
    if (!after_with_ || main) {
      out_.is_query = lower == "select" || lower == "values" || lower == "show";
      kind_decided_ = true;
    }
  }

  // 'it''s' and "a""b": a doubled quote continues the literal.
  void CopyQuoted(char quote) {
    size_t end = pos_ + 1;
    while (end < sql_.size()) {
      if (sql_[end] == quote) {
        if (end + 1 < sql_.size() && sql_[end + 1] == quote) {
          end += 2;
          continue;
        }
        ++end;
        break;
      }
      ++end;
    }
    out_.text.append(sql_.substr(pos_, end - pos_));
    pos_ = end;
  }

  void CopyUntil(std::string_view terminator) {
    size_t end = sql_.find(terminator, pos_ + 2);
    end = end == std::string_view::npos ? sql_.size() : end + terminator.size();
    out_.text.append(sql_.substr(pos_, end - pos_));
    pos_ = end;
  }

  void ReplaceSchema() {
    out_.text.append(schema_sql_);
    pos_ += kSchemaToken.size();
    if (pos_ >= sql_.size() || sql_[pos_] != '.') {
      return;
    }
    size_t start = pos_ + 1;
    size_t end = start;
    while (end < sql_.size() && IsIdentChar(sql_[end])) {
      ++end;
    }
    if (end > start) {
      std::string table = common::ToLower(sql_.substr(start, end - start));
      if (std::find(out_.tables.begin(), out_.tables.end(), table) == out_.tables.end()) {
        out_.tables.push_back(std::move(table));
      }
    }
  }

  absl::Status RewritePlaceholder() {
    size_t end = pos_ + 1;
    int number = 0;
    while (end < sql_.size() && IsDigit(sql_[end])) {
      number = std::min(number * 10 + (sql_[end] - '0'), kMaxPlaceholder + 1);
      ++end;
    }
    if (number < 1 || number > kMaxPlaceholder) {
      return absl::InvalidArgumentError(
          fmt::format("placeholder {} is out of range", sql_.substr(pos_, end - pos_)));
    }
    if (static_cast<size_t>(number) > used_.size()) {
      used_.resize(number, false);
    }
    used_[number - 1] = true;
    out_.placeholders = std::max(out_.placeholders, number);
    out_.text.push_back(dialect_ == Dialect::kSqlite ? '?' : '$');
    out_.text.append(sql_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end;
    return absl::OkStatus();
  }

  absl::StatusOr<SqlText> CheckPlaceholders() {
    for (size_t i = 0; i < used_.size(); ++i) {
      if (!used_[i]) {
        return absl::InvalidArgumentError(
            fmt::format("placeholder ${} is not used but ${} is; number placeholders $1..$N", i + 1,
                        used_.size()));
      }
    }
    return std::move(out_);
  }

  std::string_view sql_;
  bool statement_;
  Dialect dialect_;
  std::string_view schema_sql_;
  size_t pos_ = 0;
  int depth_ = 0;
  bool after_with_ = false;
  bool kind_decided_ = false;
  bool after_semicolon_ = false;
  std::vector<bool> used_;
  SqlText out_;
};

}  // namespace

absl::StatusOr<SqlText> RewriteStatement(std::string_view sql,
                                         Dialect dialect,
                                         std::string_view schema_sql) {
  return Rewriter(sql, /*statement=*/true, dialect, schema_sql).Run();
}

absl::Status ValidateParams(const SqlText& sql, const Params& params) {
  if (params.size() != static_cast<size_t>(sql.placeholders)) {
    return absl::InvalidArgumentError(
        fmt::format("statement on {} has {} placeholders but {} parameters were given",
                    SubjectOf(sql), sql.placeholders, params.size()));
  }
  for (size_t i = 0; i < params.size(); ++i) {
    const auto* text = std::get_if<std::string>(&params[i]);
    if (text != nullptr && text->find('\0') != std::string::npos) {
      return absl::InvalidArgumentError(fmt::format(
          "parameter ${} of a statement on {} contains a NUL byte", i + 1, SubjectOf(sql)));
    }
  }
  return absl::OkStatus();
}

std::string_view SubjectOf(const SqlText& sql) {
  if (sql.tables.empty()) {
    return "statement";
  }
  return sql.tables[0];
}

SqlText RewriteScript(std::string_view sql, std::string_view schema_sql) {
  // A script has no placeholders, so the rewrite cannot fail.
  return *Rewriter(sql, /*statement=*/false, Dialect::kPostgres, schema_sql).Run();
}

absl::Status ValidateSchemaName(std::string_view name) {
  bool valid_chars = std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || IsDigit(c) || c == '_';
  });
  if (name.empty() || name.size() > 63 || !valid_chars || IsDigit(name.front())) {
    return absl::InvalidArgumentError(
        fmt::format("schema name '{}' is invalid: use 1 to 63 characters from a-z, 0-9 and _, not "
                    "starting with a digit",
                    name.substr(0, 80)));
  }
  if (name.substr(0, 3) == "pg_") {
    return absl::InvalidArgumentError(
        fmt::format("schema name '{}' is reserved by PostgreSQL (pg_ prefix)", name));
  }
  return absl::OkStatus();
}

std::string QuoteIdentifier(std::string_view name) {
  std::string quoted = "\"";
  for (char c : name) {
    quoted.push_back(c);
    if (c == '"') {
      quoted.push_back('"');
    }
  }
  quoted.push_back('"');
  return quoted;
}

}  // namespace hub::store
