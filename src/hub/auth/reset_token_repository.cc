#include "hub/auth/reset_token_repository.h"

#include "hub/common/status_macros.h"

namespace hub::auth {
namespace {

constexpr char kInsertResetToken[] = R"sql(
INSERT INTO {schema}.password_reset_tokens (token_hash, user_id, created_at, expires_at)
VALUES ($1, $2, $3, $4))sql";

constexpr char kSelectResetToken[] = R"sql(
SELECT token_hash, user_id, created_at, expires_at, used_at
FROM {schema}.password_reset_tokens WHERE token_hash = $1)sql";

constexpr char kConsumeResetToken[] = R"sql(
UPDATE {schema}.password_reset_tokens SET used_at = $2
WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2)sql";

constexpr char kDeleteExpiredResetTokens[] = R"sql(
DELETE FROM {schema}.password_reset_tokens WHERE expires_at < $1)sql";

}  // namespace

absl::Status ResetTokenRepository::Insert(const ResetTokenRecord& token) {
  return db_
      .Exec(kInsertResetToken,
            {token.token_hash, token.user_id, token.created_at, token.expires_at})
      .status();
}

absl::StatusOr<ResetTokenRecord> ResetTokenRepository::Find(const std::string& token_hash) {
  HUB_ASSIGN_OR_RETURN(store::Result result, db_.Exec(kSelectResetToken, {token_hash}));
  if (result.empty()) {
    return absl::NotFoundError("reset token not found");
  }
  const store::Row& row = result[0];
  ResetTokenRecord token;
  HUB_ASSIGN_OR_RETURN(token.token_hash, row.GetString(0));
  HUB_ASSIGN_OR_RETURN(token.user_id, row.GetString(1));
  HUB_ASSIGN_OR_RETURN(token.created_at, row.GetInt(2));
  HUB_ASSIGN_OR_RETURN(token.expires_at, row.GetInt(3));
  HUB_ASSIGN_OR_RETURN(token.used_at, row.GetOptionalInt(4));
  return token;
}

absl::StatusOr<bool> ResetTokenRepository::Consume(const std::string& token_hash,
                                                   common::Micros now) {
  HUB_ASSIGN_OR_RETURN(store::Result result, db_.Exec(kConsumeResetToken, {token_hash, now}));
  return result.affected_rows() > 0;
}

absl::StatusOr<std::int64_t> ResetTokenRepository::DeleteExpired(common::Micros before) {
  HUB_ASSIGN_OR_RETURN(store::Result result, db_.Exec(kDeleteExpiredResetTokens, {before}));
  return result.affected_rows();
}

}  // namespace hub::auth
