#include "hub/http/router.h"

#include <algorithm>

#include "hub/common/status_macros.h"
#include "hub/common/strings.h"
#include "hub/http/request_target.h"

namespace hub::http {
namespace {

std::vector<std::string_view> PatternParts(std::string_view pattern) {
  std::vector<std::string_view> parts;
  for (std::string_view part : common::Split(pattern, '/')) {
    if (!part.empty()) {
      parts.push_back(part);
    }
  }
  return parts;
}

// Splits a raw (still percent-encoded) path and decodes each segment, so that an encoded
// slash stays inside its segment. A segment with a bad escape is kept as sent.
std::vector<std::string> PathParts(std::string_view raw_path) {
  std::vector<std::string> parts;
  std::string decoded;
  for (std::string_view part : common::Split(raw_path, '/')) {
    if (part.empty()) {
      continue;
    }
    parts.push_back(PercentDecode(part, false, decoded) ? decoded : std::string(part));
  }
  return parts;
}

bool IsParam(std::string_view segment) {
  return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

std::string ParamName(std::string_view segment) {
  std::string_view name = segment.substr(1, segment.size() - 2);
  if (!name.empty() && name.back() == '*') {
    name.remove_suffix(1);
  }
  return std::string(name);
}

bool SameMethod(Method route, Method request) {
  return route == request || (route == Method::kGet && request == Method::kHead);
}

}  // namespace

RouteOptions JsonBody(std::uint64_t max_body_bytes) {
  RouteOptions options;
  options.max_body_bytes = max_body_bytes;
  options.content_types = {"application/json"};
  return options;
}

void Router::Add(Method method, std::string pattern, Handler handler, RouteOptions options) {
  HUB_CHECK(!pattern.empty() && pattern.front() == '/');
  auto route = std::make_unique<Route>(
      Route{method, std::move(pattern), std::move(options), std::move(handler)});
  Compiled compiled;
  for (std::string_view part : PatternParts(route->pattern)) {
    compiled.segments.emplace_back(part);
    if (!IsParam(part)) {
      ++compiled.literals;
    } else if (part.size() > 3 && part[part.size() - 2] == '*') {
      compiled.rest = true;
    }
  }
  compiled.route = route.get();
  routes_.push_back(std::move(route));
  compiled_.push_back(std::move(compiled));

  // Most specific first: more literal segments, then no rest parameter.
  std::stable_sort(compiled_.begin(), compiled_.end(), [](const Compiled& a, const Compiled& b) {
    if (a.literals != b.literals) {
      return a.literals > b.literals;
    }
    return !a.rest && b.rest;
  });
}

void Router::SetFallback(Handler handler, RouteOptions options) {
  fallback_ = std::make_unique<Route>(
      Route{Method::kGet, "(fallback)", std::move(options), std::move(handler)});
}

bool Router::MatchSegments(const Compiled& c,
                           const std::vector<std::string>& parts,
                           std::vector<std::pair<std::string, std::string>>& params) {
  params.clear();
  size_t fixed = c.rest ? c.segments.size() - 1 : c.segments.size();
  if (c.rest ? parts.size() < fixed : parts.size() != fixed) {
    return false;
  }
  for (size_t i = 0; i < fixed; ++i) {
    const std::string& segment = c.segments[i];
    if (IsParam(segment)) {
      params.emplace_back(ParamName(segment), std::string(parts[i]));
    } else if (segment != parts[i]) {
      return false;
    }
  }
  if (c.rest) {
    std::string rest;
    for (size_t i = fixed; i < parts.size(); ++i) {
      if (!rest.empty()) {
        rest.push_back('/');
      }
      rest.append(parts[i]);
    }
    params.emplace_back(ParamName(c.segments.back()), std::move(rest));
  }
  return true;
}

Router::Match Router::Find(Method method, std::string_view raw_path) const {
  Match match;
  std::vector<std::string> parts = PathParts(raw_path);
  std::vector<std::pair<std::string, std::string>> params;
  for (const Compiled& c : compiled_) {
    if (!MatchSegments(c, parts, params)) {
      continue;
    }
    if (SameMethod(c.route->method, method)) {
      match.route = c.route;
      match.params = std::move(params);
      match.status = 0;
      return match;
    }
    if (std::find(match.allowed.begin(), match.allowed.end(), c.route->method) ==
        match.allowed.end()) {
      match.allowed.push_back(c.route->method);
    }
  }
  if (!match.allowed.empty()) {
    match.status = 405;
    return match;
  }
  if (fallback_ && (method == Method::kGet || method == Method::kHead)) {
    match.route = fallback_.get();
    match.status = 0;
  }
  return match;
}

}  // namespace hub::http
