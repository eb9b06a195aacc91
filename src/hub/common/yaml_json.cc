#include "hub/common/yaml_json.h"

#include <charconv>
#include <cstdlib>
#include <string>

#include "fmt/format.h"
#include <yaml-cpp/yaml.h>

namespace hub::common {
namespace {

nlohmann::json PlainScalar(const std::string& text) {
  if (text == "true" || text == "True" || text == "TRUE") {
    return true;
  }
  if (text == "false" || text == "False" || text == "FALSE") {
    return false;
  }
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
    return nullptr;
  }
  std::int64_t integer = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), integer);
  if (ec == std::errc() && end == text.data() + text.size()) {
    return integer;
  }
  char* number_end = nullptr;
  double number = std::strtod(text.c_str(), &number_end);
  bool numeric = number_end == text.c_str() + text.size() &&
                 text.find_first_not_of("0123456789+-.eE") == std::string::npos;
  if (numeric) {
    return number;
  }
  return text;
}

nlohmann::json Convert(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      nlohmann::json object = nlohmann::json::object();
      for (const auto& item : node) {
        object[item.first.as<std::string>()] = Convert(item.second);
      }
      return object;
    }
    case YAML::NodeType::Sequence: {
      nlohmann::json array = nlohmann::json::array();
      for (const auto& item : node) {
        array.push_back(Convert(item));
      }
      return array;
    }
    case YAML::NodeType::Scalar:
      // yaml-cpp tags quoted scalars "!" and plain ones "?".
      return node.Tag() == "!" ? nlohmann::json(node.as<std::string>())
                               : PlainScalar(node.as<std::string>());
    default:
      return nullptr;
  }
}

}  // namespace

absl::StatusOr<nlohmann::json> YamlToJson(std::string_view yaml) {
  try {
    return Convert(YAML::Load(std::string(yaml)));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(fmt::format("invalid YAML: {}", e.what()));
  }
}

}  // namespace hub::common
