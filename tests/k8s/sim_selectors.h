#pragma once

// Label and field selectors as the API server parses them.
//
// Thread-safety: immutable after parsing.

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace hub::k8s::sim {

class Selector final {
public:
  // Parses a label selector (`k=v`, `k==v`, `k!=v`, `k`, `!k`, `k in (a,b)`, `k notin (a)`,
  // comma = AND). kInvalidArgument for malformed text.
  static absl::StatusOr<Selector> ParseLabels(std::string_view text);

  // Parses a field selector (`=`, `==`, `!=`) over the fields `resource` supports.
  // kInvalidArgument for an unsupported field, as the API answers 400.
  static absl::StatusOr<Selector> ParseFields(std::string_view text, std::string_view resource);

  // True when `object` matches every term.
  bool Matches(const nlohmann::json& object) const;

private:
  struct Term {
    std::string key;
    enum class Op { kEq, kNe, kIn, kNotIn, kExists, kNotExists } op = Op::kEq;
    std::vector<std::string> values;
  };

  std::vector<Term> terms_;
  bool fields_ = false;
};

// The value of a field path such as "spec.nodeName" as a string ("" when missing).
std::string FieldValue(const nlohmann::json& object, std::string_view path);

}  // namespace hub::k8s::sim
