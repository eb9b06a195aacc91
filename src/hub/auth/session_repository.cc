#include "hub/auth/session_repository.h"

#include "fmt/format.h"

#include "hub/common/status_macros.h"

namespace hub::auth {
namespace {

constexpr char kInsertSession[] = R"sql(
INSERT INTO {schema}.sessions (id, user_id, token_hash, auth_type, max_age_seconds, started_at,
                               expires_at, created_at, client_address, user_agent)
VALUES ($1, $2, $3, $4, $5, $6, $7, $6, $8, $9))sql";

constexpr char kSelectByTokenHash[] = R"sql(
SELECT s.id, s.user_id, s.token_hash, s.auth_type, s.max_age_seconds, s.started_at,
       s.expires_at, s.created_at, s.client_address, s.user_agent, u.kind,
       u.anonymous_key_hash
FROM {schema}.sessions s JOIN {schema}.users u ON u.id = s.user_id
WHERE s.token_hash = $1)sql";

constexpr char kDeleteSession[] = R"sql(DELETE FROM {schema}.sessions WHERE id = $1)sql";

constexpr char kRotateSession[] = R"sql(
UPDATE {schema}.sessions SET token_hash = $3, started_at = $4, expires_at = $5
WHERE id = $1 AND token_hash = $2)sql";

constexpr char kExtendSession[] = R"sql(
UPDATE {schema}.sessions SET expires_at = $2 WHERE id = $1)sql";

constexpr char kDeleteUserSessions[] = R"sql(
DELETE FROM {schema}.sessions WHERE user_id = $1 AND id <> $2 RETURNING token_hash)sql";

constexpr char kDeleteExpiredSessions[] = R"sql(
DELETE FROM {schema}.sessions WHERE expires_at < $1)sql";

absl::StatusOr<SessionRecord> SessionFromRow(const store::Row& row) {
  SessionRecord s;
  HUB_ASSIGN_OR_RETURN(s.id, row.GetString(0));
  HUB_ASSIGN_OR_RETURN(s.user_id, row.GetString(1));
  HUB_ASSIGN_OR_RETURN(s.token_hash, row.GetString(2));
  HUB_ASSIGN_OR_RETURN(std::string type, row.GetString(3));
  std::optional<AuthType> auth_type = ParseAuthType(type);
  if (!auth_type) {
    return absl::InternalError(fmt::format("sessions.auth_type has unknown value '{}'", type));
  }
  s.auth_type = *auth_type;
  HUB_ASSIGN_OR_RETURN(s.max_age_seconds, row.GetInt(4));
  HUB_ASSIGN_OR_RETURN(s.started_at, row.GetInt(5));
  HUB_ASSIGN_OR_RETURN(s.expires_at, row.GetInt(6));
  HUB_ASSIGN_OR_RETURN(s.created_at, row.GetInt(7));
  HUB_ASSIGN_OR_RETURN(s.client_address, row.GetString(8));
  HUB_ASSIGN_OR_RETURN(s.user_agent, row.GetString(9));
  HUB_ASSIGN_OR_RETURN(std::string kind, row.GetString(10));
  s.kind = ParseIdentityKind(kind).value_or(IdentityKind::kUser);
  HUB_ASSIGN_OR_RETURN(std::optional<std::string> key_hash, row.GetOptionalString(11));
  s.anonymous_key_hash = key_hash.value_or("");
  return s;
}

}  // namespace

absl::Status SessionRepository::Insert(const SessionRecord& s) {
  return db_
      .Exec(kInsertSession,
            {s.id, s.user_id, s.token_hash, std::string(AuthTypeName(s.auth_type)),
             s.max_age_seconds, s.started_at, s.expires_at, s.client_address, s.user_agent})
      .status();
}

absl::StatusOr<SessionRecord> SessionRepository::FindByTokenHash(const std::string& token_hash) {
  HUB_ASSIGN_OR_RETURN(store::Result result, db_.Exec(kSelectByTokenHash, {token_hash}));
  if (result.empty()) {
    return absl::NotFoundError("session not found");
  }
  return SessionFromRow(result[0]);
}

absl::StatusOr<bool> SessionRepository::Delete(const std::string& id) {
  HUB_ASSIGN_OR_RETURN(store::Result result, db_.Exec(kDeleteSession, {id}));
  return result.affected_rows() > 0;
}

absl::StatusOr<bool> SessionRepository::Rotate(const std::string& id,
                                               const std::string& old_hash,
                                               const std::string& new_hash,
                                               common::Micros started_at,
                                               common::Micros expires_at) {
  HUB_ASSIGN_OR_RETURN(store::Result result,
                       db_.Exec(kRotateSession, {id, old_hash, new_hash, started_at, expires_at}));
  return result.affected_rows() > 0;
}

absl::Status SessionRepository::Extend(const std::string& id, common::Micros expires_at) {
  return db_.Exec(kExtendSession, {id, expires_at}).status();
}

absl::StatusOr<std::vector<std::string>> SessionRepository::DeleteForUser(
    const std::string& user_id, const std::string& keep_id) {
  HUB_ASSIGN_OR_RETURN(store::Result result, db_.Exec(kDeleteUserSessions, {user_id, keep_id}));
  std::vector<std::string> hashes;
  for (const store::Row& row : result) {
    HUB_ASSIGN_OR_RETURN(std::string hash, row.GetString(0));
    hashes.push_back(std::move(hash));
  }
  return hashes;
}

absl::StatusOr<std::int64_t> SessionRepository::DeleteExpired(common::Micros before) {
  HUB_ASSIGN_OR_RETURN(store::Result result, db_.Exec(kDeleteExpiredSessions, {before}));
  return result.affected_rows();
}

}  // namespace hub::auth
