#include "tests/k8s/sim_selectors.h"

#include <algorithm>

#include "fmt/format.h"

#include "hub/common/strings.h"

namespace hub::k8s::sim {
namespace {

// Splits on commas outside parentheses.
std::vector<std::string> SplitTerms(std::string_view text) {
  std::vector<std::string> out;
  std::string current;
  int depth = 0;
  for (char c : text) {
    depth += c == '(' ? 1 : (c == ')' ? -1 : 0);
    if (c == ',' && depth == 0) {
      out.push_back(current);
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  out.push_back(current);
  return out;
}

std::vector<std::string> SetValues(std::string_view text) {
  std::vector<std::string> values;
  for (std::string_view value : common::Split(text, ',')) {
    values.emplace_back(common::Trim(value));
  }
  return values;
}

bool IsSupportedField(std::string_view resource, std::string_view field) {
  static const std::vector<std::string_view> kCommon = {"metadata.name", "metadata.namespace"};
  static const std::vector<std::string_view> kPods = {"spec.nodeName", "status.phase",
                                                      "spec.restartPolicy", "status.podIP"};
  static const std::vector<std::string_view> kEvents = {"involvedObject.kind",
                                                        "involvedObject.name",
                                                        "involvedObject.namespace",
                                                        "involvedObject.uid",
                                                        "reason",
                                                        "type"};
  auto in = [field](const std::vector<std::string_view>& list) {
    return std::find(list.begin(), list.end(), field) != list.end();
  };
  return in(kCommon) || (resource == "pods" && in(kPods)) ||
         (resource == "nodes" && field == "spec.unschedulable") ||
         (resource == "events" && in(kEvents));
}

}  // namespace

std::string FieldValue(const nlohmann::json& object, std::string_view path) {
  const nlohmann::json* node = &object;
  for (std::string_view part : common::Split(path, '.')) {
    std::string key(part);
    if (!node->is_object() || !node->contains(key)) {
      return key == "unschedulable" ? "false" : "";
    }
    node = &(*node)[key];
  }
  if (node->is_string()) {
    return node->get<std::string>();
  }
  return node->is_null() ? "" : node->dump();
}

absl::StatusOr<Selector> Selector::ParseLabels(std::string_view text) {
  Selector selector;
  if (common::Trim(text).empty()) {
    return selector;
  }
  for (const std::string& raw : SplitTerms(text)) {
    std::string_view term = common::Trim(raw);
    Term parsed;
    size_t in = term.find(" in ");
    size_t notin = term.find(" notin ");
    size_t ne = term.find("!=");
    size_t eq = term.find('=');
    if (notin != std::string_view::npos || in != std::string_view::npos) {
      bool negated = notin != std::string_view::npos;
      size_t at = negated ? notin : in;
      size_t open = term.find('(');
      size_t close = term.rfind(')');
      if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
        return absl::InvalidArgumentError(fmt::format("unable to parse requirement: {}", term));
      }
      parsed.key = std::string(common::Trim(term.substr(0, at)));
      parsed.op = negated ? Term::Op::kNotIn : Term::Op::kIn;
      parsed.values = SetValues(term.substr(open + 1, close - open - 1));
    } else if (ne != std::string_view::npos) {
      parsed.key = std::string(term.substr(0, ne));
      parsed.op = Term::Op::kNe;
      parsed.values = {std::string(term.substr(ne + 2))};
    } else if (eq != std::string_view::npos) {
      bool double_eq = term.size() > eq + 1 && term[eq + 1] == '=';
      parsed.key = std::string(term.substr(0, eq));
      parsed.values = {std::string(term.substr(eq + (double_eq ? 2 : 1)))};
    } else if (!term.empty() && term[0] == '!') {
      parsed.key = std::string(term.substr(1));
      parsed.op = Term::Op::kNotExists;
    } else {
      parsed.key = std::string(term);
      parsed.op = Term::Op::kExists;
    }
    if (parsed.key.empty()) {
      return absl::InvalidArgumentError(fmt::format("unable to parse requirement: {}", term));
    }
    selector.terms_.push_back(std::move(parsed));
  }
  return selector;
}

absl::StatusOr<Selector> Selector::ParseFields(std::string_view text, std::string_view resource) {
  Selector selector;
  selector.fields_ = true;
  if (common::Trim(text).empty()) {
    return selector;
  }
  for (std::string_view term : common::Split(text, ',')) {
    Term parsed;
    size_t ne = term.find("!=");
    size_t eq = term.find('=');
    if (eq == std::string_view::npos) {
      return absl::InvalidArgumentError(fmt::format("invalid field selector: {}", term));
    }
    size_t key_end = ne != std::string_view::npos ? ne : eq;
    parsed.key = std::string(term.substr(0, key_end));
    parsed.op = ne != std::string_view::npos ? Term::Op::kNe : Term::Op::kEq;
    size_t value_at =
        ne != std::string_view::npos ? ne + 2 : eq + (term.substr(eq, 2) == "==" ? 2 : 1);
    parsed.values = {std::string(term.substr(value_at))};
    if (!IsSupportedField(resource, parsed.key)) {
      return absl::InvalidArgumentError(fmt::format("field label not supported: {}", parsed.key));
    }
    selector.terms_.push_back(std::move(parsed));
  }
  return selector;
}

bool Selector::Matches(const nlohmann::json& object) const {
  nlohmann::json labels = nlohmann::json::object();
  if (!fields_ && object.contains("metadata") && object["metadata"].contains("labels")) {
    labels = object["metadata"]["labels"];
  }
  for (const Term& term : terms_) {
    bool has = fields_ || labels.contains(term.key);
    std::string value =
        fields_ ? FieldValue(object, term.key) : (has ? labels[term.key].get<std::string>() : "");
    bool in = std::find(term.values.begin(), term.values.end(), value) != term.values.end();
    bool ok = false;
    switch (term.op) {
      case Term::Op::kEq:
      case Term::Op::kIn:
        ok = has && in;
        break;
      case Term::Op::kNe:
      case Term::Op::kNotIn:
        ok = !has || !in;
        break;
      case Term::Op::kExists:
        ok = has;
        break;
      case Term::Op::kNotExists:
        ok = !has;
        break;
    }
    if (!ok) {
      return false;
    }
  }
  return true;
}

}  // namespace hub::k8s::sim
