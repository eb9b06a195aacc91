// `ParseRunBody` of protocol.h, with simdjson's DOM parser (validating, with run-time CPU
// dispatch): bodies of 100,000 SMILES (several MB) parse in a few milliseconds.

#include <simdjson.h>

#include "fmt/format.h"

#include "hub/models/protocol.h"

namespace hub::models {
namespace {

constexpr std::string_view kExpected =
    R"(expected a JSON array of SMILES strings or of {"key": ..., "input": ...} objects)";

// Bodies up to this size reuse a per-thread parser; larger ones get a parser of their own
// so that a thread does not keep a huge buffer forever.
constexpr size_t kReusedParserBytes = size_t{1} << 20;

absl::Status BodyError(std::string_view what) {
  return absl::InvalidArgumentError(fmt::format("invalid /run body: {}; {}", what, kExpected));
}

absl::Status JsonError(simdjson::error_code error) {
  return BodyError(fmt::format("not valid JSON ({})", simdjson::error_message(error)));
}

std::string_view TypeName(simdjson::dom::element_type type) {
  switch (type) {
    case simdjson::dom::element_type::ARRAY:
      return "an array";
    case simdjson::dom::element_type::OBJECT:
      return "an object";
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE:
      return "a number";
    case simdjson::dom::element_type::STRING:
      return "a string";
    case simdjson::dom::element_type::BOOL:
      return "a boolean";
    case simdjson::dom::element_type::NULL_VALUE:
      return "null";
  }
  return "a value of unknown type";
}

// Reads one `{"key": "...", "input": "..."}` item.
absl::Status ReadObjectItem(simdjson::dom::object object, size_t index, RunRequest& request) {
  std::string_view key;
  std::string_view input;
  bool has_key = false;
  bool has_input = false;
  // A repeated field: the last one wins, as in Python's json module.
  for (simdjson::dom::key_value_pair field : object) {
    if (field.key != "key" && field.key != "input") {
      continue;
    }
    std::string_view text;
    if (field.value.get_string().get(text) != simdjson::SUCCESS) {
      return BodyError(fmt::format("field '{}' of item {} is not a string", field.key, index));
    }
    (field.key == "key" ? key : input) = text;
    (field.key == "key" ? has_key : has_input) = true;
  }
  if (!has_key || !has_input) {
    return BodyError(
        fmt::format("item {} has no string field '{}'", index, has_key ? "input" : "key"));
  }
  request.keys.emplace_back(key);
  request.inputs.emplace_back(input);
  return absl::OkStatus();
}

// Reads one item, which must be of the same kind (string or object) as the first.
absl::Status ReadItem(simdjson::dom::element item,
                      size_t index,
                      bool objects,
                      RunRequest& request) {
  const simdjson::dom::element_type type = item.type();
  if (type == simdjson::dom::element_type::STRING && !objects) {
    request.inputs.emplace_back(item.get_string().value_unsafe());
    return absl::OkStatus();
  }
  if (type == simdjson::dom::element_type::OBJECT && objects) {
    return ReadObjectItem(item.get_object().value_unsafe(), index, request);
  }
  return BodyError(fmt::format("item {} is {} but item 0 is {}", index, TypeName(type),
                               objects ? "an object" : "a string"));
}

absl::StatusOr<RunRequest> Parse(simdjson::dom::parser& parser,
                                 const simdjson::padded_string& json) {
  simdjson::dom::element root;
  if (auto error = parser.parse(json).get(root); error) {
    return JsonError(error);
  }
  simdjson::dom::array array;
  if (root.get_array().get(array) != simdjson::SUCCESS) {
    return BodyError(fmt::format("the body is {}, not an array", TypeName(root.type())));
  }

  RunRequest request;
  request.inputs.reserve(array.size());
  const bool objects =
      array.size() > 0 && array.at(0).value_unsafe().type() == simdjson::dom::element_type::OBJECT;
  size_t index = 0;
  for (simdjson::dom::element item : array) {
    if (absl::Status status = ReadItem(item, index, objects, request); !status.ok()) {
      return status;
    }
    ++index;
  }
  if (request.inputs.empty()) {
    return absl::InvalidArgumentError("Data is empty.");
  }
  return request;
}

}  // namespace

absl::StatusOr<RunRequest> ParseRunBody(std::string_view body) {
  simdjson::padded_string json(body.data(), body.size());
  if (body.size() <= kReusedParserBytes) {
    thread_local simdjson::dom::parser parser;
    return Parse(parser, json);
  }
  simdjson::dom::parser parser;
  return Parse(parser, json);
}

}  // namespace hub::models
