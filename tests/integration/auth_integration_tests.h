#pragma once

// Accounts, sessions, anonymous keys and permissions seen from outside, on the real binary.
// Shared by auth_test.cc (SQLite) and auth_pgtest.cc (PostgreSQL).

#include <chrono>
#include <fstream>
#include <thread>

#include "hub/auth/password_hasher.h"
#include "hub/common/encoding.h"

#include "tests/integration/auth_fixture.h"
#include "tests/support/smtp_sink.h"

namespace hub {

using http::Method;
using test_support::BearerHeader;
using test_support::UpstreamHeader;

TEST_P(AuthIntegrationTest, UpstreamAnonymousFlowWorks) {
  StartHub();
  std::string key = NewKey();

  auto login = api().AnonymousLogin(key);
  ASSERT_EQ(login.status, 200) << login.raw;
  nlohmann::json session = login.body["session"];
  auto permissions = api().Get("/api/auth/permissions", UpstreamHeader(session));
  auto refreshed =
      api().Call(Method::kPost, "/api/auth/session/refresh", std::nullopt, UpstreamHeader(session));
  auto old_token = api().Get("/api/auth/permissions", UpstreamHeader(session));
  auto new_token = api().Get("/api/auth/permissions", UpstreamHeader(refreshed.body));
  auto logout =
      api().Call(Method::kPost, "/api/auth/logout", std::nullopt, UpstreamHeader(refreshed.body));
  auto after_logout = api().Get("/api/auth/permissions", UpstreamHeader(refreshed.body));

  EXPECT_EQ(session["session_id"], key);
  EXPECT_EQ(session["auth_type"], "ErsiliaAnonymous");
  EXPECT_EQ(session["session_max_age_seconds"], 172800);
  EXPECT_EQ(session["session_start_time"].get<std::string>().size(), 27u);
  EXPECT_EQ(login.body["user"]["id"], session["userid"]);
  EXPECT_EQ(permissions.status, 200);
  EXPECT_EQ(permissions.body["permissions"],
            nlohmann::json::array({"VIEW_MODELS", "SUBMIT_WORK_REQUESTS"}));
  ASSERT_EQ(refreshed.status, 200) << refreshed.raw;
  EXPECT_EQ(refreshed.body["session_id"], key);
  EXPECT_NE(refreshed.body["session_token"], session["session_token"]);
  EXPECT_EQ(old_token.status, 401);
  EXPECT_EQ(new_token.status, 200);
  EXPECT_EQ(logout.body, nlohmann::json({{"status", "ok"}}));
  EXPECT_EQ(after_logout.status, 401);
}

TEST_P(AuthIntegrationTest, AnonymousKeysAreNormalisedAndNeverStoredOrLogged) {
  StartHub();
  std::string key = NewKey();
  std::string upper = key;
  for (char& c : upper) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }

  auto plain = api().AnonymousLogin(key);
  auto braces = api().AnonymousLogin("%7B" + upper + "%7D");
  auto urn = api().AnonymousLogin("urn:uuid:" + upper);
  auto invalid = api().AnonymousLogin("not-a-guid");
  hub().Stop();

  ASSERT_EQ(plain.status, 200);
  ASSERT_EQ(braces.status, 200) << braces.raw;
  ASSERT_EQ(urn.status, 200) << urn.raw;
  EXPECT_EQ(braces.body["user"]["id"], plain.body["user"]["id"]);
  EXPECT_EQ(urn.body["user"]["id"], plain.body["user"]["id"]);
  EXPECT_EQ(urn.body["session"]["session_id"], key);
  EXPECT_EQ(invalid.status, 400);
  EXPECT_NE(invalid.Detail().find("Invalid session id"), std::string::npos);
  EXPECT_EQ(hub().Log().find(key), std::string::npos);
  EXPECT_EQ(hub().Log().find(upper), std::string::npos);
  auto db = storage_->OpenDatabase();
  ASSERT_TRUE(db.ok()) << db.status();
  for (const char* table : {"users", "sessions"}) {
    auto rows = (*db)->Exec(std::string("SELECT * FROM {schema}.") + table);
    ASSERT_TRUE(rows.ok());
    for (const auto& row : *rows) {
      for (size_t i = 0; i < row.size(); ++i) {
        EXPECT_NE(row.GetString(i).value_or(""), key) << table;
      }
    }
  }
}

TEST_P(AuthIntegrationTest, SessionsSurviveARestart) {
  StartHub();
  SignupUser("alice");
  std::string user_header = LoginHeader("alice");
  auto anonymous = api().AnonymousLogin(NewKey());
  ASSERT_EQ(anonymous.status, 200);
  StopHub();

  StartHub();
  auto user = api().Get("/api/auth/permissions", user_header);
  auto key = api().Get("/api/auth/permissions", UpstreamHeader(anonymous.body["session"]));

  EXPECT_EQ(user.status, 200) << user.raw;
  EXPECT_EQ(key.status, 200) << key.raw;
}

TEST_P(AuthIntegrationTest, WarmSessionsMakeNoSessionQueries) {
  StartHub();
  SignupUser("alice");
  std::string user_header = LoginHeader("alice");
  nlohmann::json anonymous = api().AnonymousLogin(NewKey()).body["session"];
  ASSERT_EQ(api().Get("/api/auth/permissions", user_header).status, 200);
  ASSERT_EQ(api().Get("/api/auth/permissions", UpstreamHeader(anonymous)).status, 200);
  double before = StatementsOn("sessions");

  for (int i = 0; i < 500; ++i) {
    ASSERT_EQ(api().Get("/api/auth/permissions", user_header).status, 200);
    ASSERT_EQ(api().Get("/api/auth/permissions", UpstreamHeader(anonymous)).status, 200);
  }

  EXPECT_GT(before, 0);
  EXPECT_EQ(StatementsOn("sessions"), before);
}

TEST_P(AuthIntegrationTest, MalformedCredentialsAre401WithDetail) {
  StartHub();
  std::string token(64, 'a');
  std::vector<std::pair<std::optional<std::string>, std::string>> cases = {
      {std::nullopt, "missing Authorization"},
      {"ErsiliaUser", "expected '<scheme> <credentials>'"},
      {"Digest abc", "unsupported Authorization scheme"},
      {"ErsiliaUser %%%", "not valid base64"},
      {"ErsiliaUser " + common::Base64Encode("{not json"), "not a base64 JSON session"},
      {"ErsiliaUser " + common::Base64Encode(R"({"userid":"u"})"), "lacks 'session_token'"},
      {"ErsiliaUser " + common::Base64Encode(R"({"userid":1,"session_token":"x"})"),
       "must be a string"},
      {"Bearer " + token, "unknown or has ended"},
      {"Bearer ehk_" + std::string(40, 'b'), "unknown or revoked"},
      {"Bearer " + std::string(9000, 'c'), "too long"},
  };

  for (const auto& [header, expected] : cases) {
    auto response = api().Get("/api/auth/permissions", header);

    EXPECT_EQ(response.status, 401) << expected << ": " << response.raw;
    EXPECT_NE(response.Detail().find(expected), std::string::npos) << response.raw;
  }
}

TEST_P(AuthIntegrationTest, TheStoredSessionTypeWinsOverTheHeader) {
  StartHub();
  SignupUser("alice");
  nlohmann::json session = api().Login("alice", kPassword).body["session"];
  nlohmann::json forged = session;
  forged["auth_type"] = "ErsiliaAnonymous";
  nlohmann::json other_user = session;
  other_user["userid"] = "someone-else";

  auto as_anonymous = api().Get("/api/auth/permissions",
                                "ErsiliaAnonymous " + common::Base64Encode(session.dump()));
  auto wrong_user = api().Get("/api/auth/permissions", UpstreamHeader(other_user));
  auto right = api().Get("/api/auth/permissions", UpstreamHeader(session));

  EXPECT_EQ(as_anonymous.status, 401);
  EXPECT_NE(as_anonymous.Detail().find("ErsiliaUser"), std::string::npos);
  EXPECT_EQ(wrong_user.status, 401);
  EXPECT_EQ(right.status, 200);
}

TEST_P(AuthIntegrationTest, BadBodiesGetAClientErrorWithDetailNever500) {
  StartHub();
  SignupUser("alice");
  std::string header = LoginHeader("alice");
  std::string huge(20'000, 'x');

  struct Case {
    Method method;
    std::string path;
    std::string body;
    std::string content_type;
    int status;
  };

  std::vector<Case> cases = {
      {Method::kPost, "/api/auth/login", "{", "application/json", 400},
      {Method::kPost, "/api/auth/login", "[]", "application/json", 400},
      {Method::kPost, "/api/auth/login", R"({"encoding":5})", "application/json", 400},
      {Method::kPost, "/api/auth/login", R"({"encoding":"@@@"})", "application/json", 400},
      {Method::kPost, "/api/auth/login", R"({"encoding":"YWxpY2U="})", "application/json", 400},
      {Method::kPost, "/api/auth/login",
       R"({"encoding":")" + common::Base64Encode("nobody:" + std::string(kPassword)) + R"("})",
       "application/json", 401},
      {Method::kPost, "/api/auth/login",
       R"({"encoding":")" + common::Base64Encode("alice:wrong password!") + R"("})",
       "application/json", 401},
      {Method::kPost, "/api/auth/login", "encoding=x", "application/x-www-form-urlencoded", 415},
      {Method::kPost, "/api/auth/signup", R"({"password":"x"})", "application/json", 400},
      {Method::kPost, "/api/auth/signup", R"({"user":[],"password":"x"})", "application/json", 400},
      {Method::kPost, "/api/auth/signup", R"({"user":{"username":"bob"},"password":"x"})",
       "application/json", 400},
      {Method::kPost, "/api/auth/signup", "{\"user\":{\"username\":\"" + huge + "\"}}",
       "application/json", 413},
      {Method::kPut, "/api/users/x/password", R"({"new_password":true})", "application/json", 400},
      {Method::kPost, "/api/auth/api-keys", R"({"name":")" + std::string(101, 'k') + R"("})",
       "application/json", 400},
      {Method::kPost, "/api/users/reset-password", R"({"token":"abc","new_password":"x"})",
       "application/json", 400},
  };

  for (const Case& c : cases) {
    auto response = api().Call(c.method, c.path, c.body, header, c.content_type);

    EXPECT_EQ(response.status, c.status)
        << c.path << " " << c.body.substr(0, 80) << ": " << response.raw.substr(0, 200);
    EXPECT_FALSE(response.Detail().empty()) << c.path << " " << c.body.substr(0, 80);
  }
}

TEST_P(AuthIntegrationTest, ExpiredTokensAre401) {
  StartHub({}, {{"USER_SESSION_MAX_AGE_SECONDS", "1"}});
  SignupUser("alice");
  auto login = api().Login("alice", kPassword);
  ASSERT_EQ(login.body["session"]["session_max_age_seconds"], 1);
  std::string header = BearerHeader(login.body["session"]);
  ASSERT_EQ(api().Get("/api/auth/permissions", header).status, 200);

  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  auto expired = api().Get("/api/auth/permissions", header);
  auto refresh = api().Call(Method::kPost, "/api/auth/session/refresh", std::nullopt, header);

  EXPECT_EQ(expired.status, 401);
  EXPECT_NE(expired.Detail().find("expired"), std::string::npos) << expired.raw;
  EXPECT_EQ(refresh.status, 401);
}

TEST_P(AuthIntegrationTest, SignupValidatesAndReportsConflicts) {
  StartHub();
  auto first = api().Signup("alice", kPassword);
  auto taken = api().Signup("ALICE", kPassword);
  nlohmann::json same_email = {{"user",
                                {{"username", "alice2"},
                                 {"first_name", "A"},
                                 {"last_name", "B"},
                                 {"email", "Alice@Example.org"}}},
                               {"password", kPassword}};
  auto email_taken = api().Post("/api/auth/signup", same_email);
  auto bad_email = api().Post(
      "/api/auth/signup",
      {{"user", {{"username", "carol"}, {"first_name", "C"}, {"last_name", "D"}, {"email", "x"}}},
       {"password", kPassword}});
  auto short_password = api().Signup("dave", "short");
  auto password_is_name = api().Signup("evelyn1234", "EVELYN1234");
  auto reserved = api().Signup("anonymous7", kPassword);

  EXPECT_EQ(first.status, 200) << first.raw;
  EXPECT_EQ(first.body["email"], "alice@example.org");
  EXPECT_EQ(taken.status, 409);
  EXPECT_NE(taken.Detail().find("username"), std::string::npos);
  EXPECT_EQ(email_taken.status, 409);
  EXPECT_NE(email_taken.Detail().find("email"), std::string::npos);
  EXPECT_EQ(bad_email.status, 400);
  EXPECT_EQ(bad_email.Detail().rfind("email", 0), 0u) << bad_email.raw;
  EXPECT_EQ(short_password.status, 400);
  EXPECT_EQ(short_password.Detail().rfind("password", 0), 0u);
  EXPECT_EQ(password_is_name.status, 400);
  EXPECT_NE(password_is_name.Detail().find("username"), std::string::npos);
  EXPECT_EQ(reserved.status, 400);
  for (int i = 0; i < 5; ++i) {
    std::string fresh = "fresh" + common::RandomHexToken(4);
    EXPECT_EQ(api().Signup(fresh, kPassword).status, 200) << fresh;
  }
}

TEST_P(AuthIntegrationTest, SeveralSessionsOnOneUserAndOneKeyEndIndependently) {
  StartHub();
  SignupUser("alice");
  std::string first = LoginHeader("alice");
  std::string second = LoginHeader("alice");
  std::string key = NewKey();
  nlohmann::json key_first = api().AnonymousLogin(key).body["session"];
  nlohmann::json key_second = api().AnonymousLogin(key).body["session"];

  ASSERT_EQ(api().Call(Method::kPost, "/api/auth/logout", std::nullopt, first).status, 200);
  ASSERT_EQ(
      api().Call(Method::kPost, "/api/auth/logout", std::nullopt, UpstreamHeader(key_first)).status,
      200);

  EXPECT_EQ(api().Get("/api/auth/permissions", first).status, 401);
  EXPECT_EQ(api().Get("/api/auth/permissions", second).status, 200);
  EXPECT_EQ(api().Get("/api/auth/permissions", UpstreamHeader(key_first)).status, 401);
  EXPECT_EQ(api().Get("/api/auth/permissions", UpstreamHeader(key_second)).status, 200);
  EXPECT_EQ(key_first["userid"], key_second["userid"]);
  EXPECT_EQ(api().AnonymousLogin(key).body["user"]["id"], key_first["userid"]);
}

TEST_P(AuthIntegrationTest, LegacyMd5LoginIsRehashed) {
  StartHub({"auth.legacy_password_salt=temptesting"});
  common::Micros signup = 1'749'393'310'000'000;
  std::string legacy =
      auth::PasswordHasher::LegacyHash("olduser", kPassword, signup, "temptesting");
  auto db = storage_->OpenDatabase();
  ASSERT_TRUE(db.ok()) << db.status();
  ASSERT_TRUE((*db)
                  ->Exec("INSERT INTO {schema}.users (id, kind, username, username_key, "
                         "first_name, last_name, email, email_key, password_hash, permissions, "
                         "permissions_updated_at, signup_at, updated_at) VALUES ('legacy-1', "
                         "'user', 'olduser', 'olduser', 'O', 'U', 'old@example.org', "
                         "'old@example.org', $1, '[]', $2, $2, $2)",
                         {legacy, signup})
                  .ok());

  auto wrong = api().Login("olduser", "not the password");
  auto first = api().Login("olduser", kPassword);
  auto stored = (*db)->Exec("SELECT password_hash FROM {schema}.users WHERE id = 'legacy-1'");
  auto second = api().Login("olduser", kPassword);

  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(first.status, 200) << first.raw;
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->rows()[0].GetString(0)->rfind("$argon2id$", 0), 0u);
  EXPECT_EQ(second.status, 200);
}

TEST_P(AuthIntegrationTest, PasswordChangeNeedsTheCurrentOneAndEndsOtherSessions) {
  StartHub();
  std::string id = SignupUser("alice");
  std::string mine = LoginHeader("alice");
  std::string other = LoginHeader("alice");
  std::string path = "/api/users/" + id + "/password";

  auto without = api().Call(Method::kPut, path, R"({"new_password":"a brand new password"})", mine);
  auto wrong =
      api().Call(Method::kPut, path,
                 R"({"new_password":"a brand new password","current_password":"no"})", mine);
  nlohmann::json change = {{"new_password", "a brand new password"},
                           {"current_password", kPassword}};
  auto changed = api().Call(Method::kPut, path, change.dump(), mine);

  EXPECT_EQ(without.status, 400);
  EXPECT_NE(without.Detail().find("current_password"), std::string::npos);
  EXPECT_EQ(wrong.status, 403);
  EXPECT_EQ(changed.status, 200) << changed.raw;
  EXPECT_EQ(changed.body, nlohmann::json({{"result", "SUCCESS"}}));
  EXPECT_EQ(api().Get("/api/auth/permissions", mine).status, 200);
  EXPECT_EQ(api().Get("/api/auth/permissions", other).status, 401);
  EXPECT_EQ(api().Login("alice", kPassword).status, 401);
  EXPECT_EQ(api().Login("alice", "a brand new password").status, 200);
}

TEST_P(AuthIntegrationTest, AdminsForceANewPassword) {
  StartHub();
  std::string id = SignupUser("alice");
  std::string alice = LoginHeader("alice");
  std::string path = "/api/users/" + id + "/password";
  std::string body = R"({"new_password":"set by the admin","force":true})";

  auto by_user = api().Call(Method::kPut, path, body, LoginHeader("alice"));
  auto by_admin = api().Call(Method::kPut, path, body, RootHeader());

  EXPECT_EQ(by_user.status, 403);
  EXPECT_EQ(by_admin.status, 200) << by_admin.raw;
  EXPECT_EQ(api().Get("/api/auth/permissions", alice).status, 401);
  EXPECT_EQ(api().Login("alice", "set by the admin").status, 200);
}

TEST_P(AuthIntegrationTest, ResetTokensArriveByMailWorkOnceAndExpire) {
  auto sink = test_support::SmtpSink::Start();
  ASSERT_TRUE(sink.ok()) << sink.status();
  StartHub({"smtp.url=" + (*sink)->url(), "smtp.from=hub@example.org", "auth.reset_token_ttl=2s"});
  SignupUser("alice");
  std::string session = LoginHeader("alice");
  auto token_from_mail = [&sink](size_t n) {
    EXPECT_TRUE((*sink)->WaitFor(n, std::chrono::seconds(10)));
    std::string data = (*sink)->messages().at(n - 1).data;
    size_t at = data.find(":\r\n\r\n");
    return at == std::string::npos ? std::string() : data.substr(at + 5, 64);
  };

  auto unknown = api().Post("/api/users/forgot-password",
                            {{"username", "nobody"}, {"email", "nobody@example.org"}});
  auto forgot = api().Post("/api/users/forgot-password",
                           {{"username", "alice"}, {"email", "ALICE@example.org"}});
  std::string token = token_from_mail(1);
  auto reset = api().Post("/api/users/reset-password",
                          {{"token", token}, {"new_password", "reset by mail token"}});
  auto reused = api().Post("/api/users/reset-password",
                           {{"token", token}, {"new_password", "reset again by token"}});

  EXPECT_EQ(unknown.status, 200);
  EXPECT_EQ(forgot.status, 200);
  EXPECT_EQ(unknown.body, forgot.body);
  auto mail = (*sink)->messages().at(0);
  EXPECT_EQ(mail.to, std::vector<std::string>{"alice@example.org"});
  EXPECT_NE(mail.data.find("Subject: Reset your Ersilia Hub password"), std::string::npos);
  EXPECT_EQ(reset.status, 200) << reset.raw;
  EXPECT_EQ(reused.status, 400);
  EXPECT_EQ(api().Get("/api/auth/permissions", session).status, 401);
  EXPECT_EQ(api().Login("alice", "reset by mail token").status, 200);
  EXPECT_EQ((*sink)->messages().size(), 1u);  // nothing was sent for the unknown user

  ASSERT_EQ(api()
                .Post("/api/users/forgot-password",
                      {{"username", "alice"}, {"email", "alice@example.org"}})
                .status,
            200);
  std::string late = token_from_mail(2);
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  EXPECT_EQ(api()
                .Post("/api/users/reset-password",
                      {{"token", late}, {"new_password", "too late for this"}})
                .status,
            400);
}

TEST_P(AuthIntegrationTest, ApiKeysAreShownOnceListedUsedAndRevoked) {
  StartHub();
  SignupUser("alice");
  std::string session = LoginHeader("alice");

  auto created = api().Post("/api/auth/api-keys", {{"name", "nightly"}}, session);
  ASSERT_EQ(created.status, 201) << created.raw;
  std::string key = created.body["key"];
  auto used = api().Get("/api/auth/permissions", "Bearer " + key);
  auto listed = api().Get("/api/auth/api-keys", session);
  auto logout = api().Call(Method::kPost, "/api/auth/logout", std::nullopt, "Bearer " + key);
  auto revoked =
      api().Call(Method::kDelete, "/api/auth/api-keys/" + created.body["id"].get<std::string>(),
                 std::nullopt, session);
  auto after = api().Get("/api/auth/permissions", "Bearer " + key);

  EXPECT_EQ(key.rfind("ehk_", 0), 0u);
  EXPECT_EQ(used.status, 200);
  ASSERT_EQ(listed.body["items"].size(), 1u);
  EXPECT_FALSE(listed.body["items"][0].contains("key"));
  EXPECT_EQ(listed.body["items"][0]["prefix"], key.substr(0, 12));
  EXPECT_EQ(logout.status, 400);
  EXPECT_EQ(revoked.status, 200);
  EXPECT_EQ(after.status, 401);
}

TEST_P(AuthIntegrationTest, RateLimitsAnswer429WithRetryAfter) {
  StartHub({"auth.rate_limit.login=2/1m", "auth.rate_limit.anonymous_login=1/1h"});
  SignupUser("alice");

  int first = api().Login("alice", "wrong password!!").status;
  int second = api().Login("alice", kPassword).status;
  auto third = api().Login("alice", kPassword);
  api().AnonymousLogin(NewKey());
  auto anonymous = api().AnonymousLogin(NewKey());

  EXPECT_EQ(first, 401);
  EXPECT_EQ(second, 200);
  EXPECT_EQ(third.status, 429);
  EXPECT_FALSE(third.Detail().empty());
  ASSERT_TRUE(third.headers.Get("Retry-After").has_value());
  EXPECT_EQ(*third.headers.Get("Retry-After"), "30");
  EXPECT_EQ(anonymous.status, 429);
}

TEST_P(AuthIntegrationTest, PermissionChangesApplyAtOnceOnThisReplica) {
  StartHub();
  std::string id = SignupUser("alice");
  std::string alice = LoginHeader("alice");
  ASSERT_EQ(api().Get("/api/users", alice).status, 403);

  SetPermissions(id, {"MANAGE_USERS", "VIEW_MODELS"});
  auto listed = api().Get("/api/users", alice);
  auto permissions = api().Get("/api/auth/permissions", alice);

  EXPECT_EQ(listed.status, 200) << listed.raw;
  EXPECT_EQ(permissions.body["permissions"],
            nlohmann::json::array({"VIEW_MODELS", "MANAGE_USERS"}));
  EXPECT_FALSE(permissions.body["last_updated"].is_null());
}

TEST_P(AuthIntegrationTest, UserListFiltersByPrefix) {
  StartHub();
  for (const char* name : {"alice", "alfred", "bob"}) {
    SignupUser(name);
  }
  api().AnonymousLogin(NewKey());
  std::string root = RootHeader();

  auto al = api().Get("/api/users?username_prefix=AL", root);
  auto exact = api().Get("/api/users?username=bob", root);
  auto email = api().Get("/api/users?email_prefix=alf", root);
  auto wildcard = api().Get("/api/users?username_prefix=%25", root);
  auto injection = api().Get("/api/users?username=x%27%20OR%20%271%27%3D%271", root);
  auto all = api().Get("/api/users", root);

  ASSERT_EQ(al.status, 200) << al.raw;
  EXPECT_EQ(al.body["items"].size(), 2u);
  EXPECT_EQ(al.body["items"][0]["username"], "alfred");
  EXPECT_EQ(exact.body["items"].size(), 1u);
  EXPECT_EQ(email.body["items"].size(), 1u);
  EXPECT_TRUE(wildcard.body["items"].empty());
  EXPECT_TRUE(injection.body["items"].empty());
  EXPECT_EQ(all.body["items"].size(), 4u);  // root + 3; anonymous identities are not listed
}

TEST_P(AuthIntegrationTest, UserCommandBootstrapsAnAdmin) {
  StartHub();
  std::string password_file = test_support::MakeTempDir("pw") + "/password";
  {
    std::ofstream out(password_file);
    out << "operator password\n";
  }
  std::vector<std::string> create = {test_support::HubBinary(),
                                     "user",
                                     "create",
                                     "--admin",
                                     "--username",
                                     "operator",
                                     "--email",
                                     "op@example.org",
                                     "--first-name",
                                     "Op",
                                     "--last-name",
                                     "Erator",
                                     "--password-file",
                                     password_file};
  std::vector<std::string> extra = storage_->CommandArgs();
  create.insert(create.end(), extra.begin(), extra.end());
  std::vector<std::string> set = {test_support::HubBinary(), "user", "set-permissions", "operator",
                                  "MANAGE_USERS,VIEW_MODELS"};
  set.insert(set.end(), extra.begin(), extra.end());

  auto created = test_support::RunCommand(create, storage_->CommandEnv());
  auto duplicate = test_support::RunCommand(create, storage_->CommandEnv());
  auto login = api().Login("operator", "operator password");
  auto changed = test_support::RunCommand(set, storage_->CommandEnv());

  EXPECT_EQ(created.exit_code, 0) << created.output;
  EXPECT_EQ(duplicate.exit_code, 2) << duplicate.output;
  EXPECT_NE(duplicate.output.find("username is already taken"), std::string::npos);
  ASSERT_EQ(login.status, 200) << login.raw;
  EXPECT_EQ(login.body["permissions"], nlohmann::json::array({"ADMIN"}));
  EXPECT_EQ(changed.exit_code, 0) << changed.output;
  EXPECT_NE(changed.output.find("MANAGE_USERS"), std::string::npos);
}

}  // namespace hub
