#pragma once

// A small JSON client for integration tests against the hub's API, with the account flows
// most tests need (signup, login, anonymous login) and both header forms.
//
// Thread-safety: like `http::Client`, safe to share between threads.

#include <optional>
#include <string>
#include <string_view>

#include "nlohmann/json.hpp"

#include "hub/http/client.h"
#include "hub/http/message.h"

namespace hub::test_support {

struct ApiResponse {
  int status = 0;  // 0 when the request could not be sent
  http::Headers headers;
  std::string raw;
  nlohmann::json body;  // discarded when the body is not JSON

  // `body["detail"]` when it is a string, else "".
  std::string Detail() const;
};

class ApiClient final {
public:
  // `base` is "http://127.0.0.1:<port>".
  explicit ApiClient(std::string base) : base_(std::move(base)) {}

  // One request; `authorization` is the whole header value. A body is sent as JSON unless
  // `content_type` says otherwise.
  ApiResponse Call(http::Method method,
                   std::string_view path,
                   std::optional<std::string> body = std::nullopt,
                   std::optional<std::string> authorization = std::nullopt,
                   std::string content_type = "application/json");

  ApiResponse Get(std::string_view path, std::optional<std::string> authorization = {}) {
    return Call(http::Method::kGet, path, std::nullopt, std::move(authorization));
  }

  ApiResponse Post(std::string_view path,
                   const nlohmann::json& body,
                   std::optional<std::string> authorization = {}) {
    return Call(http::Method::kPost, path, body.dump(), std::move(authorization));
  }

  // Signs `username` up (email `<username>@example.org`); the response.
  ApiResponse Signup(const std::string& username, const std::string& password);

  // POST /api/auth/login with the upstream body; the response ({session, user, permissions}).
  ApiResponse Login(const std::string& username, const std::string& password);

  // POST /api/auth/anonymous-login/{key}.
  ApiResponse AnonymousLogin(const std::string& key);

  const std::string& base() const { return base_; }

private:
  std::string base_;
  http::Client client_;
};

// `Bearer <session_token>` for a session object.
std::string BearerHeader(const nlohmann::json& session);

// The upstream form: `<auth_type> <base64 of the session JSON>`.
std::string UpstreamHeader(const nlohmann::json& session);

}  // namespace hub::test_support
