#include "hub/api/auth_json.h"

#include "hub/common/time_format.h"

namespace hub::api {

nlohmann::json UserJson(const auth::User& user) {
  return {{"id", user.id},
          {"username", user.username},
          {"first_name", user.first_name},
          {"last_name", user.last_name},
          {"email", user.email ? nlohmann::json(*user.email) : nlohmann::json(nullptr)},
          {"sign_up_date", common::FormatTimestamp(user.signup_at)},
          {"last_updated", common::FormatTimestamp(user.updated_at)}};
}

nlohmann::json SessionJson(const auth::IssuedSession& session) {
  return {{"userid", session.user_id},
          {"session_id", session.session_id},
          {"session_token", session.token},
          {"auth_type", auth::AuthTypeName(session.auth_type)},
          {"session_max_age_seconds", session.max_age_seconds},
          {"session_start_time", common::FormatTimestamp(session.started_at)}};
}

nlohmann::json LoginJson(const auth::LoginResult& login) {
  return {{"session", SessionJson(login.session)},
          {"user", UserJson(login.user)},
          {"permissions", login.permissions.Names()}};
}

nlohmann::json ApiKeyJson(const auth::ApiKeyRecord& key) {
  return {
      {"id", key.id},
      {"name", key.name},
      {"prefix", key.prefix},
      {"created_at", common::FormatTimestamp(key.created_at)},
      {"last_used_at", key.last_used_at ? nlohmann::json(common::FormatTimestamp(*key.last_used_at))
                                        : nlohmann::json(nullptr)}};
}

}  // namespace hub::api
