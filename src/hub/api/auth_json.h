#pragma once

// JSON forms of the auth module's objects, in the upstream shapes (upstream-server.md §2.2,
// §12.1): snake_case fields, `YYYY-MM-DDTHH:MM:SS.ffffffZ` timestamps, enum names as strings.

#include "nlohmann/json.hpp"

#include "hub/auth/api_key_repository.h"
#include "hub/auth/session_service.h"
#include "hub/auth/user.h"

namespace hub::api {

// `UserModel`: {id, username, first_name, last_name, email, sign_up_date, last_updated}.
nlohmann::json UserJson(const auth::User& user);

// `UserSessionModel`: {userid, session_id, session_token, auth_type, session_max_age_seconds,
// session_start_time}.
nlohmann::json SessionJson(const auth::IssuedSession& session);

// `LoginResponseModel`: {session, user, permissions}.
nlohmann::json LoginJson(const auth::LoginResult& login);

// An API key without its secret: {id, name, prefix, created_at, last_used_at}.
nlohmann::json ApiKeyJson(const auth::ApiKeyRecord& key);

}  // namespace hub::api
