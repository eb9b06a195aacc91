#pragma once

// Turning a model's answer for one molecule (a JSON object of column → value, as
// `orient=records` gives it) into the hub's stored form: a JSON array of the values in the
// model's column order. Values are copied as the model wrote them — numbers keep their
// spelling (`137.14199999999997`, `8.0`) — never re-formatted.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace hub::jobs {

// One member of a JSON object: its key (unescaped) and its value's JSON text.
struct JsonMember {
  std::string key;
  std::string_view value;
};

// Splits a JSON object into its members, in order. The value texts point into `object`.
// InvalidArgument when `object` is not one well-formed JSON object.
[[nodiscard]] absl::StatusOr<std::vector<JsonMember>> SplitJsonObject(std::string_view object);

// Splits a JSON array into its elements' texts (pointing into `array`).
[[nodiscard]] absl::StatusOr<std::vector<std::string_view>> SplitJsonArray(std::string_view array);

// As above, into `elements` (cleared first, its capacity kept); false when `array` is not one
// well-formed JSON array, `elements` then holding what came before the fault.
[[nodiscard]] bool SplitJsonArray(std::string_view array, std::vector<std::string_view>& elements);

// The values of `members` in `columns` order as a JSON array; a column the object lacks is
// null.
std::string ValuesArray(const std::vector<JsonMember>& members,
                        const std::vector<std::string>& columns);

// The keys of `members`, in order.
std::vector<std::string> MemberKeys(const std::vector<JsonMember>& members);

// Decodes a JSON string literal's text (with its quotes); false when malformed.
bool DecodeJsonString(std::string_view literal, std::string& out);

}  // namespace hub::jobs
