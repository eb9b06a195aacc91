#include "tests/support/api_client.h"

#include "hub/common/encoding.h"

namespace hub::test_support {

std::string ApiResponse::Detail() const {
  if (body.is_object() && body.contains("detail") && body["detail"].is_string()) {
    return body["detail"].get<std::string>();
  }
  return "";
}

ApiResponse ApiClient::Call(http::Method method,
                            std::string_view path,
                            std::optional<std::string> body,
                            std::optional<std::string> authorization,
                            std::string content_type) {
  http::ClientRequest request;
  request.method = method;
  request.url = base_ + std::string(path);
  if (body) {
    request.body = std::move(*body);
    request.headers.Set("Content-Type", std::move(content_type));
  }
  if (authorization) {
    request.headers.Set("Authorization", std::move(*authorization));
  }
  ApiResponse out;
  auto response = client_.Send(request);
  if (!response.ok()) {
    out.raw = std::string(response.status().message());
    return out;
  }
  out.status = response->status;
  out.headers = response->headers;
  out.raw = response->body;
  out.body = nlohmann::json::parse(out.raw, nullptr, false);
  return out;
}

ApiResponse ApiClient::Signup(const std::string& username, const std::string& password) {
  nlohmann::json body = {{"user",
                          {{"username", username},
                           {"first_name", "First"},
                           {"last_name", "Last"},
                           {"email", username + "@example.org"}}},
                         {"password", password}};
  return Post("/api/auth/signup", body);
}

ApiResponse ApiClient::Login(const std::string& username, const std::string& password) {
  return Post("/api/auth/login", {{"encoding", common::Base64Encode(username + ":" + password)},
                                  {"auth_type", "ErsiliaUser"}});
}

ApiResponse ApiClient::AnonymousLogin(const std::string& key) {
  return Call(http::Method::kPost, "/api/auth/anonymous-login/" + key);
}

std::string BearerHeader(const nlohmann::json& session) {
  return "Bearer " + session.value("session_token", "");
}

std::string UpstreamHeader(const nlohmann::json& session) {
  return session.value("auth_type", "") + " " + common::Base64Encode(session.dump());
}

}  // namespace hub::test_support
