#pragma once

#include <string>
#include <string_view>

namespace hub::common {

// Number formatting that matches what Ersilia models write, so outputs compare as strings.

// Appends `value` as Python's `repr(float)` / `str(float)` writes it: the shortest digits that
// round-trip, fixed notation with at least one fractional digit (`27.0`, `0.0001`) when the
// decimal exponent is in [-4, 16), otherwise scientific with a sign and at least two exponent
// digits (`1e-05`, `1.5e+16`). NaN and infinities are written `nan`, `inf`, `-inf`.
void AppendPythonFloat(std::string& out, double value);
std::string PythonFloat(double value);

// Appends `value` like C's `printf("%f")` (six decimals), which is Python's `"%f" % value`.
void AppendFixed6(std::string& out, double value);

// Appends `value` as a JSON number in the same shortest form as `AppendPythonFloat`, or
// `null` for NaN and infinities (JSON has no spelling for them).
void AppendJsonFloat(std::string& out, double value);

// Appends a JSON string literal for `text`, escaping quotes, backslashes and control
// characters. Invalid UTF-8 bytes are replaced by U+FFFD so the output is always valid JSON.
void AppendJsonString(std::string& out, std::string_view text);

}  // namespace hub::common
