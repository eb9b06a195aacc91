#pragma once

// Error propagation and invariant macros shared by every module.
//
// Expected failures travel as `absl::Status` / `absl::StatusOr<T>`; these macros keep the
// happy path readable. Invariants ("cannot happen") use HUB_CHECK, which is always on and
// aborts with the failed condition; HUB_DCHECK is compiled only into debug builds. Never use
// either on client input, database rows or answers from other services: return an error.

#include <cstdio>
#include <cstdlib>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define HUB_STATUS_CONCAT_INNER(a, b) a##b
#define HUB_STATUS_CONCAT(a, b) HUB_STATUS_CONCAT_INNER(a, b)

// Evaluates `expr` (an `absl::Status`) and returns it from the enclosing function when it is
// not OK. Like `HUB_ASSIGN_OR_RETURN`, a plain `if` rather than `do { } while (false)`, so it
// adds one block level, not two, to the function it sits in (readability-function-size
// counts them); `static_assert(true)` takes the trailing semicolon.
#define HUB_RETURN_IF_ERROR(expr)                               \
  if (::absl::Status hub_status_ = (expr); !hub_status_.ok()) { \
    return hub_status_;                                         \
  }                                                             \
  static_assert(true)

// Evaluates `rexpr` (an `absl::StatusOr<T>`); on error returns its status from the enclosing
// function, otherwise moves the value into `lhs`, which may be a declaration
// (`HUB_ASSIGN_OR_RETURN(auto rows, db.Query(...))`).
#define HUB_ASSIGN_OR_RETURN(lhs, rexpr) \
  HUB_ASSIGN_OR_RETURN_IMPL(HUB_STATUS_CONCAT(hub_statusor_, __LINE__), lhs, rexpr)

// `lhs` may be a declaration, so it cannot be parenthesized.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define HUB_ASSIGN_OR_RETURN_IMPL(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                              \
  if (!statusor.ok()) {                                 \
    return std::move(statusor).status();                \
  }                                                     \
  lhs = std::move(statusor).value()
// NOLINTEND(bugprone-macro-parentheses)

// Aborts the process with a message when `cond` is false. For broken invariants only.
// One block level, as `HUB_RETURN_IF_ERROR`.
#define HUB_CHECK(cond)                                                           \
  if (!(cond)) {                                                                  \
    std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
    std::abort();                                                                 \
  }                                                                               \
  static_assert(true)

#ifdef NDEBUG
#define HUB_DCHECK(cond) \
  do {                   \
  } while (false)
#else
#define HUB_DCHECK(cond) HUB_CHECK(cond)
#endif
