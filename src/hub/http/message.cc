#include "hub/http/message.h"

#include <strings.h>

#include "nlohmann/json.hpp"

namespace hub::http {
namespace {

bool NameEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

std::string_view MethodName(Method method) {
  switch (method) {
    case Method::kGet:
      return "GET";
    case Method::kHead:
      return "HEAD";
    case Method::kPost:
      return "POST";
    case Method::kPut:
      return "PUT";
    case Method::kPatch:
      return "PATCH";
    case Method::kDelete:
      return "DELETE";
    case Method::kOptions:
      return "OPTIONS";
    case Method::kOther:
      return "OTHER";
  }
  return "OTHER";
}

Method ParseMethod(std::string_view name) {
  static constexpr std::pair<std::string_view, Method> kMethods[] = {
      {"GET", Method::kGet},        {"HEAD", Method::kHead},   {"POST", Method::kPost},
      {"PUT", Method::kPut},        {"PATCH", Method::kPatch}, {"DELETE", Method::kDelete},
      {"OPTIONS", Method::kOptions}};
  for (const auto& [text, method] : kMethods) {
    if (text == name) {
      return method;
    }
  }
  return Method::kOther;
}

std::optional<std::string_view> Headers::Get(std::string_view name) const {
  for (const auto& [key, value] : entries_) {
    if (NameEquals(key, name)) {
      return std::string_view{value};
    }
  }
  return std::nullopt;
}

void Headers::Set(std::string_view name, std::string value) {
  std::erase_if(entries_, [name](const auto& e) { return NameEquals(e.first, name); });
  entries_.emplace_back(std::string(name), std::move(value));
}

void Headers::Add(std::string name, std::string value) {
  entries_.emplace_back(std::move(name), std::move(value));
}

std::optional<std::string_view> Request::Query(std::string_view name) const {
  for (const auto& [key, value] : query) {
    if (key == name) {
      return std::string_view{value};
    }
  }
  return std::nullopt;
}

std::vector<std::string> Request::QueryAll(std::string_view name) const {
  std::vector<std::string> values;
  for (const auto& [key, value] : query) {
    if (key == name) {
      values.push_back(value);
    }
  }
  return values;
}

std::string_view Request::Param(std::string_view name) const {
  for (const auto& [key, value] : path_params) {
    if (key == name) {
      return value;
    }
  }
  return {};
}

Response Response::JsonText(int status, std::string json) {
  Response r;
  r.status = status;
  r.headers.Set("Content-Type", "application/json");
  r.body = std::move(json);
  return r;
}

Response Response::JsonPieces(int status, std::vector<std::string> pieces) {
  Response r;
  r.status = status;
  r.headers.Set("Content-Type", "application/json");
  r.body_pieces = std::move(pieces);
  return r;
}

Response Response::Json(int status, const nlohmann::json& value) {
  return JsonText(status, value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

Response Response::Error(int status, std::string_view detail) {
  return Json(status, nlohmann::json{{"detail", std::string(detail)}});
}

Response Response::Text(int status, std::string text, std::string content_type) {
  Response r;
  r.status = status;
  r.headers.Set("Content-Type", std::move(content_type));
  r.body = std::move(text);
  return r;
}

Response Response::NoContent() {
  Response r;
  r.status = 204;
  return r;
}

}  // namespace hub::http
