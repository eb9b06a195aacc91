#pragma once

// Rewriting of the hub's portable SQL text for one backend (see `database.h` for the
// conventions). Used by the backends; exposed for tests. All functions are pure and
// thread-safe.

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "hub/store/database.h"

namespace hub::store {

// A statement or script ready for one backend.
struct SqlText {
  // The rewritten text.
  std::string text;
  // The highest placeholder number; statements need exactly this many parameters.
  int placeholders = 0;
  // Distinct tables named with the `{schema}.` token, lower-cased, in order of appearance.
  std::vector<std::string> tables;
  // True when the main statement (after any WITH list) is a SELECT, VALUES or SHOW: it
  // changes no rows, whatever count the server's command tag reports.
  bool is_query = false;
};

// Rewrites one statement: `{schema}` becomes `schema_sql` (e.g. `main` or `"hub"`), and on
// SQLite `$N` becomes `?N`. Quoted strings, quoted identifiers and comments are copied
// unchanged. `kInvalidArgument` when a placeholder is `$0` or above 32766, or when some
// placeholder below the highest one is missing (PostgreSQL could not type it).
absl::StatusOr<SqlText> RewriteStatement(std::string_view sql,
                                         Dialect dialect,
                                         std::string_view schema_sql);

// OK when `params` fit `sql`: exactly `sql.placeholders` values and no NUL byte in a text
// value. `kInvalidArgument` otherwise.
absl::Status ValidateParams(const SqlText& sql, const Params& params);

// The first table of `sql` for error messages, or "statement" when it names none.
std::string_view SubjectOf(const SqlText& sql);

// Rewrites a script (several statements, no parameters): only `{schema}` is replaced, also
// inside dollar-quoted function bodies; `$` is left alone.
SqlText RewriteScript(std::string_view sql, std::string_view schema_sql);

// OK when `name` can be a configured PostgreSQL schema: 1 to 63 characters from [a-z0-9_],
// not starting with a digit and not starting with `pg_`. `kInvalidArgument` otherwise, with a
// message naming the rule.
absl::Status ValidateSchemaName(std::string_view name);

// `name` as a quoted SQL identifier (`"name"`, inner quotes doubled).
std::string QuoteIdentifier(std::string_view name);

}  // namespace hub::store
