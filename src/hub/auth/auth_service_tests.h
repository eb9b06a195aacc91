#pragma once

// The auth services against a real database, one set of `TEST_P` bodies for both backends.
// Included by exactly one test source per backend, which instantiates it:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, AuthServiceTest, ::testing::Values(SqliteAuthStore()),
//                            AuthStoreName);
//
// Time is a `ManualClock`; argon2id runs at its minimum cost; mail goes to a recording
// sender. Each test gets a fresh database with the built-in migrations applied.

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gtest/gtest.h"

#include "hub/auth/auth_module.h"
#include "hub/common/clock.h"
#include "hub/common/status_macros.h"
#include "hub/store/database.h"
#include "hub/store/migrator.h"

namespace hub::auth {

struct AuthStore {
  std::string name;
  // A fresh database (and whatever keeps it alive, e.g. a PostgreSQL schema).
  std::function<absl::StatusOr<std::shared_ptr<store::Database>>()> open;
};

inline void PrintTo(const AuthStore& store, std::ostream* os) {
  *os << store.name;
}

inline std::string AuthStoreName(const ::testing::TestParamInfo<AuthStore>& info) {
  return info.param.name;
}

// Keeps every mail it is given.
class RecordingMailSender final : public MailSender {
public:
  absl::Status Send(const MailMessage& message) override {
    std::lock_guard<std::mutex> lock(mu_);
    sent_.push_back(message);
    return absl::OkStatus();
  }

  std::vector<MailMessage> sent() {
    std::lock_guard<std::mutex> lock(mu_);
    return sent_;
  }

private:
  std::mutex mu_;
  std::vector<MailMessage> sent_;
};

class CountingCleaner final : public UserDataCleaner {
public:
  std::string_view name() const override { return "test data"; }

  absl::StatusOr<std::int64_t> ClearData(const std::string& user_id) override {
    data.push_back(user_id);
    return 3;
  }

  absl::StatusOr<std::int64_t> ClearContributions(const std::string& user_id) override {
    contributions.push_back(user_id);
    return 2;
  }

  std::vector<std::string> data;
  std::vector<std::string> contributions;
};

class AuthServiceTest : public ::testing::TestWithParam<AuthStore> {
protected:
  static constexpr char kPassword[] = "correct horse battery";

  void SetUp() override {
    auto db = GetParam().open();
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    store::Migrator migrator(*db_, store::BuiltinMigrations(db_->dialect()), clock_);
    auto applied = migrator.Apply();
    ASSERT_TRUE(applied.ok()) << applied.status();
    Build(Options());
  }

  static AuthOptions Options() {
    AuthOptions options;
    options.password.ops_limit = 1;
    options.password.mem_limit = 8192;
    options.password.legacy_salt = "temptesting";
    return options;
  }

  void Build(AuthOptions options) {
    auth_.reset();
    auto mail = std::make_unique<RecordingMailSender>();
    mail_ = mail.get();
    auth_ = std::make_unique<AuthModule>(*db_, clock_, std::move(options), std::move(mail));
    absl::Status started = auth_->Start(false);
    ASSERT_TRUE(started.ok()) << started;
  }

  absl::StatusOr<User> Signup(const std::string& username) {
    return auth_->users().Signup({username, "First", "Last", username + "@example.org", kPassword});
  }

  // A signed-up user's `Bearer` header from a fresh login.
  std::string LoginHeader(const std::string& username) {
    auto login = auth_->sessions().Login(username, kPassword, {"127.0.0.1", "test"});
    EXPECT_TRUE(login.ok()) << login.status();
    return login.ok() ? "Bearer " + login->session.token : "";
  }

  absl::StatusOr<Principal> Authenticate(const std::string& header) {
    return auth_->sessions().Authenticate(header);
  }

  Principal Admin() {
    Principal admin;
    admin.user_id = "root";
    admin.permissions = PermissionSet{Permission::kAdmin};
    return admin;
  }

  std::uint64_t SessionStatements() const { return db_->stats().StatementsOn("sessions"); }

  common::ManualClock clock_{1'700'000'000'000'000};
  std::shared_ptr<store::Database> db_;
  RecordingMailSender* mail_ = nullptr;
  std::unique_ptr<AuthModule> auth_;
};

TEST_P(AuthServiceTest, SignupLoginAndAuthenticate) {
  auto user = Signup("alice");
  ASSERT_TRUE(user.ok()) << user.status();

  auto principal = Authenticate(LoginHeader("ALICE"));

  ASSERT_TRUE(principal.ok()) << principal.status();
  EXPECT_EQ(principal->user_id, user->id);
  EXPECT_EQ(principal->kind, IdentityKind::kUser);
  EXPECT_TRUE(principal->Has(Permission::kViewModels));
  EXPECT_FALSE(principal->Has(Permission::kManageUsers));
}

TEST_P(AuthServiceTest, TakenUsernameOrEmailIsAlreadyExistsNamingWhich) {
  ASSERT_TRUE(Signup("alice").ok());

  auto same_name = auth_->users().Signup({"Alice", "A", "B", "other@example.org", kPassword});
  auto same_email = auth_->users().Signup({"alice2", "A", "B", "ALICE@example.org", kPassword});

  EXPECT_EQ(same_name.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_NE(std::string(same_name.status().message()).find("username"), std::string::npos);
  EXPECT_EQ(same_email.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_NE(std::string(same_email.status().message()).find("email"), std::string::npos);
}

TEST_P(AuthServiceTest, WrongPasswordAndUnknownUserLookTheSame) {
  ASSERT_TRUE(Signup("alice").ok());

  auto wrong = auth_->sessions().Login("alice", "not the password", {});
  auto unknown = auth_->sessions().Login("nobody", kPassword, {});

  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(wrong.status(), unknown.status());
}

TEST_P(AuthServiceTest, CachedSessionsSkipTheDatabaseUntilTheTtl) {
  ASSERT_TRUE(Signup("alice").ok());
  std::string header = LoginHeader("alice");
  ASSERT_TRUE(Authenticate(header).ok());
  std::uint64_t before = SessionStatements();

  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(Authenticate(header).ok());
  }
  std::uint64_t after_cached = SessionStatements();
  clock_.Advance(std::chrono::seconds(61));
  ASSERT_TRUE(Authenticate(header).ok());

  EXPECT_EQ(after_cached, before);
  EXPECT_EQ(SessionStatements(), before + 1);
}

TEST_P(AuthServiceTest, SessionsExpire) {
  ASSERT_TRUE(Signup("alice").ok());
  std::string header = LoginHeader("alice");

  clock_.Advance(std::chrono::seconds(301));
  auto principal = Authenticate(header);

  EXPECT_EQ(principal.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_NE(std::string(principal.status().message()).find("expired"), std::string::npos);
}

TEST_P(AuthServiceTest, SlidingSessionsStayAliveWhileUsed) {
  AuthOptions options = Options();
  options.sliding_sessions = true;
  Build(options);
  ASSERT_TRUE(Signup("alice").ok());
  std::string header = LoginHeader("alice");

  for (int i = 0; i < 10; ++i) {
    clock_.Advance(std::chrono::seconds(100));
    ASSERT_TRUE(Authenticate(header).ok()) << i;
  }
  clock_.Advance(std::chrono::seconds(301));

  EXPECT_FALSE(Authenticate(header).ok());
}

TEST_P(AuthServiceTest, LogoutEndsOnlyThePresentedSession) {
  ASSERT_TRUE(Signup("alice").ok());
  std::string first = LoginHeader("alice");
  std::string second = LoginHeader("alice");
  auto principal = Authenticate(first);
  ASSERT_TRUE(principal.ok());

  ASSERT_TRUE(auth_->sessions().Logout(*principal).ok());

  EXPECT_EQ(Authenticate(first).status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(Authenticate(second).ok());
}

TEST_P(AuthServiceTest, RefreshRotatesTheToken) {
  ASSERT_TRUE(Signup("alice").ok());
  std::string header = LoginHeader("alice");
  auto principal = Authenticate(header);
  ASSERT_TRUE(principal.ok());
  clock_.Advance(std::chrono::seconds(200));

  auto refreshed = auth_->sessions().Refresh(*principal);
  ASSERT_TRUE(refreshed.ok()) << refreshed.status();
  clock_.Advance(std::chrono::seconds(200));

  EXPECT_FALSE(Authenticate(header).ok());
  EXPECT_TRUE(Authenticate("Bearer " + refreshed->token).ok());
  EXPECT_EQ(refreshed->session_id, principal->credential_id);
}

TEST_P(AuthServiceTest, EachAnonymousKeyIsItsOwnStableIdentity) {
  std::string key_a = "0b6e5c1e-8f0a-4c1a-9d2e-3f4a5b6c7d8e";
  std::string key_b = "1b6e5c1e-8f0a-4c1a-9d2e-3f4a5b6c7d8e";

  auto a1 = auth_->sessions().AnonymousLogin(key_a, {});
  auto a2 = auth_->sessions().AnonymousLogin("{" + key_a + "}", {});
  auto b = auth_->sessions().AnonymousLogin(key_b, {});

  ASSERT_TRUE(a1.ok() && a2.ok() && b.ok()) << a1.status() << a2.status() << b.status();
  EXPECT_EQ(a1->user.id, a2->user.id);
  EXPECT_NE(a1->user.id, b->user.id);
  EXPECT_EQ(a1->session.session_id, key_a);
  EXPECT_NE(a1->session.token, a2->session.token);
  EXPECT_TRUE(Authenticate("Bearer " + a1->session.token).ok());  // not ended by the second
  EXPECT_EQ(a1->user.username.rfind("anonymous-", 0), 0u);
}

TEST_P(AuthServiceTest, LegacyPasswordsVerifyOnceThenAreRehashed) {
  common::Micros signup = 1'749'393'310'000'000;  // 2025-06-08T14:35:10Z
  std::string legacy = PasswordHasher::LegacyHash("olduser", kPassword, signup, "temptesting");
  auto inserted = db_->Exec(
      "INSERT INTO {schema}.users (id, kind, username, username_key, first_name, last_name, "
      "email, email_key, password_hash, permissions, permissions_updated_at, signup_at, "
      "updated_at) VALUES ('legacy-1', 'user', 'olduser', 'olduser', 'O', 'U', NULL, NULL, $1, "
      "'[]', $2, $2, $2)",
      {legacy, signup});
  ASSERT_TRUE(inserted.ok()) << inserted.status();

  auto login = auth_->sessions().Login("olduser", kPassword, {});
  auto stored = db_->Exec("SELECT password_hash FROM {schema}.users WHERE id = 'legacy-1'");

  ASSERT_TRUE(login.ok()) << login.status();
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->rows()[0].GetString(0)->rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(auth_->sessions().Login("olduser", kPassword, {}).ok());
}

TEST_P(AuthServiceTest, OwnPasswordChangeNeedsTheCurrentOneAndEndsOtherSessions) {
  auto user = Signup("alice");
  ASSERT_TRUE(user.ok());
  std::string mine = LoginHeader("alice");
  std::string other = LoginHeader("alice");
  auto me = Authenticate(mine);
  ASSERT_TRUE(me.ok());

  auto missing = auth_->users().ChangePassword(*me, user->id, {"a new password!", {}, false});
  auto wrong = auth_->users().ChangePassword(*me, user->id, {"a new password!", "guess", false});
  auto changed =
      auth_->users().ChangePassword(*me, user->id, {"a new password!", kPassword, false});

  EXPECT_EQ(missing.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(wrong.code(), absl::StatusCode::kPermissionDenied);
  ASSERT_TRUE(changed.ok()) << changed;
  EXPECT_TRUE(Authenticate(mine).ok());
  EXPECT_FALSE(Authenticate(other).ok());
  EXPECT_TRUE(auth_->sessions().Login("alice", "a new password!", {}).ok());
}

TEST_P(AuthServiceTest, ManageUsersCannotTakeOverAnAdmin) {
  auto admin = auth_->users().CreateAccount({"boss", "B", "O", "boss@example.org", kPassword},
                                            PermissionSet{Permission::kAdmin});
  auto manager = auth_->users().CreateAccount({"manager", "M", "A", "m@example.org", kPassword},
                                              PermissionSet{Permission::kManageUsers});
  ASSERT_TRUE(admin.ok() && manager.ok());
  auto caller = Authenticate(LoginHeader("manager"));
  ASSERT_TRUE(caller.ok());

  auto force = auth_->users().ChangePassword(*caller, admin->id, {"taken over!!", {}, true});
  auto grant =
      auth_->users().SetPermissions(*caller, manager->id, PermissionSet{Permission::kAdmin});
  auto remove = auth_->users().Delete(*caller, admin->id);

  EXPECT_EQ(force.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(grant.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(remove.code(), absl::StatusCode::kPermissionDenied);
}

TEST_P(AuthServiceTest, ManageUsersManagesOrdinaryUsersWithinItsReach) {
  auto user = Signup("alice");
  auto manager = auth_->users().CreateAccount({"manager", "M", "A", "m@example.org", kPassword},
                                              PermissionSet{Permission::kManageUsers});
  ASSERT_TRUE(user.ok() && manager.ok());
  auto caller = Authenticate(LoginHeader("manager"));
  ASSERT_TRUE(caller.ok());

  auto force = auth_->users().ChangePassword(*caller, user->id, {"reset by manager", {}, true});
  auto defaults =
      auth_->users().SetPermissions(*caller, user->id, PermissionSet{Permission::kViewModels});
  auto beyond =
      auth_->users().SetPermissions(*caller, user->id, PermissionSet{Permission::kK8sAdmin});

  EXPECT_TRUE(force.ok()) << force;
  EXPECT_TRUE(defaults.ok()) << defaults;
  EXPECT_EQ(beyond.code(), absl::StatusCode::kPermissionDenied);
}

TEST_P(AuthServiceTest, TheLastAdminKeepsAdmin) {
  auto admin = auth_->users().CreateAccount({"boss", "B", "O", "boss@example.org", kPassword},
                                            PermissionSet{Permission::kAdmin});
  ASSERT_TRUE(admin.ok());

  auto demote = auth_->users().SetPermissions(Admin(), admin->id, PermissionSet{});
  auto remove = auth_->users().Delete(Admin(), admin->id);

  EXPECT_EQ(demote.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(remove.code(), absl::StatusCode::kFailedPrecondition);
}

TEST_P(AuthServiceTest, PermissionChangesAreVisibleAtOnceAndSurviveReloads) {
  auto user = Signup("alice");
  ASSERT_TRUE(user.ok());
  std::string header = LoginHeader("alice");
  ASSERT_FALSE(Authenticate(header)->Has(Permission::kManageModels));

  ASSERT_TRUE(auth_->users()
                  .SetPermissions(Admin(), user->id, PermissionSet{Permission::kManageModels})
                  .ok());
  bool at_once = Authenticate(header)->Has(Permission::kManageModels);
  ASSERT_TRUE(auth_->permission_cache().Reload().ok());

  EXPECT_TRUE(at_once);
  EXPECT_TRUE(Authenticate(header)->Has(Permission::kManageModels));
  EXPECT_FALSE(Authenticate(header)->Has(Permission::kViewModels));
}

TEST_P(AuthServiceTest, ChangesFromAnotherReplicaArriveWithTheReload) {
  auto user = Signup("alice");
  ASSERT_TRUE(user.ok());
  std::string header = LoginHeader("alice");
  // Another replica writes the row directly.
  ASSERT_TRUE(db_->Exec("UPDATE {schema}.users SET permissions = '[\"K8S_ADMIN\"]', "
                        "permissions_updated_at = permissions_updated_at + 1 WHERE id = $1",
                        {user->id})
                  .ok());
  bool before = Authenticate(header)->Has(Permission::kK8sAdmin);

  clock_.Advance(std::chrono::seconds(60));
  auth_->background().RunDue();

  EXPECT_FALSE(before);
  EXPECT_TRUE(Authenticate(header)->Has(Permission::kK8sAdmin));
}

TEST_P(AuthServiceTest, ResetTokensWorkOnceAndExpire) {
  auto user = Signup("alice");
  ASSERT_TRUE(user.ok());
  std::string old_session = LoginHeader("alice");

  ASSERT_TRUE(auth_->users().ForgotPassword("alice", "ALICE@example.org").ok());
  ASSERT_TRUE(auth_->users().ForgotPassword("alice", "wrong@example.org").ok());
  ASSERT_TRUE(auth_->users().ForgotPassword("nobody", "x@example.org").ok());
  auth_->users().FlushMail();
  ASSERT_EQ(mail_->sent().size(), 1u);
  std::string body = mail_->sent()[0].body;
  size_t at = body.find_first_of("0123456789abcdef", body.find(":\n\n"));
  std::string token = body.substr(at, 64);

  auto too_short = auth_->users().ResetPassword(token, "short");
  auto reset = auth_->users().ResetPassword(token, "brand new password");
  auto again = auth_->users().ResetPassword(token, "another new password");

  EXPECT_EQ(mail_->sent()[0].to, "alice@example.org");
  EXPECT_EQ(too_short.code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(reset.ok()) << reset;
  EXPECT_EQ(again.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(Authenticate(old_session).ok());
  EXPECT_TRUE(auth_->sessions().Login("alice", "brand new password", {}).ok());

  ASSERT_TRUE(auth_->users().ForgotPassword("alice", "alice@example.org").ok());
  auth_->users().FlushMail();
  std::string late_body = mail_->sent().back().body;
  std::string late =
      late_body.substr(late_body.find_first_of("0123456789abcdef", late_body.find(":\n\n")), 64);
  clock_.Advance(std::chrono::minutes(61));
  EXPECT_EQ(auth_->users().ResetPassword(late, "too late password").code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(AuthServiceTest, ApiKeysActAsTheirOwnerUntilRevoked) {
  auto user = Signup("alice");
  ASSERT_TRUE(user.ok());
  auto me = Authenticate(LoginHeader("alice"));
  ASSERT_TRUE(me.ok());

  auto created = auth_->api_keys().Create(*me, "nightly script");
  ASSERT_TRUE(created.ok()) << created.status();
  auto as_key = Authenticate("Bearer " + created->key);
  auto listed = auth_->api_keys().List(*me);
  ASSERT_TRUE(auth_->api_keys().Revoke(*me, created->record.id).ok());

  ASSERT_TRUE(as_key.ok()) << as_key.status();
  EXPECT_EQ(as_key->user_id, user->id);
  EXPECT_EQ(as_key->credential, CredentialKind::kApiKey);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].prefix, created->key.substr(0, 12));
  EXPECT_FALSE(Authenticate("Bearer " + created->key).ok());
}

TEST_P(AuthServiceTest, AnonymousIdentitiesCannotCreateApiKeys) {
  auto anonymous = auth_->sessions().AnonymousLogin("0b6e5c1e-8f0a-4c1a-9d2e-3f4a5b6c7d8e", {});
  ASSERT_TRUE(anonymous.ok());
  auto principal = Authenticate("Bearer " + anonymous->session.token);
  ASSERT_TRUE(principal.ok());

  EXPECT_EQ(auth_->api_keys().Create(*principal, "x").status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_P(AuthServiceTest, ListFiltersAreBoundParameters) {
  for (const char* name : {"alice", "alfred", "bob"}) {
    ASSERT_TRUE(Signup(name).ok());
  }
  ASSERT_TRUE(auth_->sessions().AnonymousLogin("0b6e5c1e-8f0a-4c1a-9d2e-3f4a5b6c7d8e", {}).ok());
  UserFilter prefix;
  prefix.username_prefix = "AL";
  UserFilter wildcard;
  wildcard.username_prefix = "%";
  UserFilter injection;
  injection.username = "x' OR '1'='1";

  auto al = auth_->users().List(Admin(), prefix);
  auto all = auth_->users().List(Admin(), UserFilter());
  auto none = auth_->users().List(Admin(), wildcard);
  auto injected = auth_->users().List(Admin(), injection);

  ASSERT_TRUE(al.ok() && all.ok() && none.ok() && injected.ok()) << al.status();
  ASSERT_EQ(al->size(), 2u);
  EXPECT_EQ((*al)[0].username, "alfred");
  EXPECT_EQ(all->size(), 3u);  // anonymous identities are not listed
  EXPECT_TRUE(none->empty());
  EXPECT_TRUE(injected->empty());
}

TEST_P(AuthServiceTest, DeletingAUserClearsItsDataAndEndsItsSessions) {
  CountingCleaner cleaner;
  auth_->users().RegisterCleaner(&cleaner);
  auto user = Signup("alice");
  ASSERT_TRUE(user.ok());
  std::string header = LoginHeader("alice");
  auto me = Authenticate(header);
  ASSERT_TRUE(me.ok());

  auto cleared = auth_->users().ClearData(*me, user->id);
  ASSERT_TRUE(auth_->users().Delete(*me, user->id).ok());

  EXPECT_EQ(*cleared, 3);
  EXPECT_EQ(cleaner.data.size(), 2u);
  EXPECT_EQ(cleaner.contributions.size(), 1u);
  EXPECT_FALSE(Authenticate(header).ok());
  EXPECT_EQ(auth_->users().Get(Admin(), user->id).status().code(), absl::StatusCode::kNotFound);
}

TEST_P(AuthServiceTest, InitialAdminIsCreatedOnceWhenNobodyIsAdmin) {
  InitialAdmin admin{"root", "root@example.org", kPassword, "Root", "Admin"};

  auto first = auth_->users().EnsureInitialAdmin(admin);
  auto second = auth_->users().EnsureInitialAdmin(admin);
  admin.password = "short";
  admin.username = "root2";
  auto skipped = auth_->users().EnsureInitialAdmin(admin);

  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(*first);
  EXPECT_FALSE(*second);
  EXPECT_FALSE(*skipped);  // someone holds ADMIN: nothing to validate
  EXPECT_TRUE(Authenticate(LoginHeader("root"))->Has(Permission::kManageUsers));
}

}  // namespace hub::auth
