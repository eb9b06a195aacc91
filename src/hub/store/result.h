#pragma once

// Values passed to and returned from SQL statements, independent of the backend.
//
// A `Value` is null, a 64-bit integer, a double or a UTF-8 text. Parameters are bound from
// values (never pasted into SQL text). Results are rows of values: SQLite hands back typed
// values, PostgreSQL hands back text, and the typed accessors of `Row` convert either form, so
// repository code reads both backends the same way.
//
// Thread-safety: these are plain value types; concurrent reads are safe, writes need external
// synchronization.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"

namespace hub::store {

// One SQL value: null, integer (BIGINT), real (DOUBLE PRECISION / REAL) or text (TEXT; JSON
// documents are text too). Text must not contain NUL bytes: PostgreSQL cannot store them, so
// both backends reject such a parameter with `kInvalidArgument`.
//
// Literals convert implicitly: `{7, 1.5, "x", std::string(view), kNull}`. An `int` or a `bool`
// picks the integer alternative (`true` is 1, matching the hub's 0/1 boolean columns), a
// `const char*` the text one; a `std::string_view` must be wrapped in `std::string`.
using Value = std::variant<std::monostate, std::int64_t, double, std::string>;

// The null value, for parameter lists: `db.Exec(kSql, {id, kNull})`.
inline constexpr std::monostate kNull{};

// Bound parameters: element `i` is placeholder `$<i+1>`.
using Params = std::vector<Value>;

// `d` in PostgreSQL's text form: shortest round-trip digits, "Infinity", "-Infinity", "NaN".
std::string RealToText(double d);

// One result row. Columns are addressed by zero-based index in SELECT / RETURNING order.
//
// Accessor error codes:
//   `kOutOfRange`: `column` is not below `size()`;
//   `kFailedPrecondition`: the value is NULL (use `IsNull` or a `GetOptional*` accessor);
//   `kInvalidArgument`: the value cannot be represented as the requested type (text that is not
//   a number, a fractional real read as an integer, a boolean other than 0/1).
class Row final {
public:
  Row() = default;

  explicit Row(std::vector<Value> values) : values_(std::move(values)) {}

  // Number of columns.
  size_t size() const { return values_.size(); }

  // True when the column is NULL, or when `column` is out of range.
  bool IsNull(size_t column) const;

  // Integers: SQLite integers as they are; integral reals; decimal text (PostgreSQL).
  absl::StatusOr<std::int64_t> GetInt(size_t column) const;

  // Reals: reals, integers, and text in PostgreSQL's float syntax (incl. Infinity and NaN).
  absl::StatusOr<double> GetDouble(size_t column) const;

  // Text; integers and reals are formatted (shortest round-trip form for reals).
  absl::StatusOr<std::string> GetString(size_t column) const;

  // Booleans stored as 0/1 integers.
  absl::StatusOr<bool> GetBool(size_t column) const;

  // As above, but NULL gives `std::nullopt` instead of an error.
  absl::StatusOr<std::optional<std::int64_t>> GetOptionalInt(size_t column) const;
  absl::StatusOr<std::optional<std::string>> GetOptionalString(size_t column) const;

  // The stored value as the backend returned it. REQUIRES: `column < size()`.
  const Value& raw(size_t column) const { return values_[column]; }

private:
  absl::StatusOr<const Value*> NonNull(size_t column) const;

  std::vector<Value> values_;
};

// The outcome of one statement: its rows (SELECT, or INSERT/UPDATE/DELETE with RETURNING) and
// how many rows it changed.
class Result final {
public:
  Result() = default;

  Result(std::vector<std::string> columns, std::vector<Row> rows, std::int64_t affected_rows)
      : columns_(std::move(columns)), rows_(std::move(rows)), affected_rows_(affected_rows) {}

  // Column names as the statement labels them.
  const std::vector<std::string>& columns() const { return columns_; }

  const std::vector<Row>& rows() const { return rows_; }

  size_t size() const { return rows_.size(); }

  bool empty() const { return rows_.empty(); }

  const Row& operator[](size_t i) const { return rows_[i]; }

  std::vector<Row>::const_iterator begin() const { return rows_.begin(); }

  std::vector<Row>::const_iterator end() const { return rows_.end(); }

  // Rows inserted, updated or deleted (with or without RETURNING); 0 for a SELECT or DDL.
  std::int64_t affected_rows() const { return affected_rows_; }

  // The only row. `kNotFound` when there is none, `kFailedPrecondition` when there are several.
  absl::StatusOr<Row> SingleRow() const;

private:
  std::vector<std::string> columns_;
  std::vector<Row> rows_;
  std::int64_t affected_rows_ = 0;
};

}  // namespace hub::store
