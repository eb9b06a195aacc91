#pragma once

// Allocation-free number formatting into a caller's buffer, for the hot loops that serialize
// thousands of cells per row. The layouts are those of `hub/common/number_format.h`
// (`AppendPythonFloat`, `AppendJsonFloat`, `AppendFixed6`); tests check they agree.

#include <cstddef>
#include <cstdint>

namespace hub::models {

// Room a single call below may need, except `WriteFixed6`.
inline constexpr size_t kMaxNumberBytes = 32;
// Room `WriteFixed6` may need (`%f` of 1e308 has 309 integer digits).
inline constexpr size_t kMaxFixed6Bytes = 320;

// Each writes at `out` and returns the end of what it wrote. REQUIRES: the room above.

// Python `repr(float)`: `137.14199999999997`, `27.0`, `1e-05`, `nan`, `inf`.
char* WritePythonFloat(char* out, double value);

// Same as `WritePythonFloat`, but `null` for NaN and infinities.
char* WriteJsonFloat(char* out, double value);

// A plain decimal integer.
char* WriteInteger(char* out, std::int64_t value);

// printf `%f`: six decimals.
char* WriteFixed6(char* out, double value);

}  // namespace hub::models
