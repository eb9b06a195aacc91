#include "hub/cli/config.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "fmt/format.h"

#include "hub/common/status_macros.h"
#include "hub/common/strings.h"
#include "hub/k8s/kube_config.h"

namespace hub::cli {
namespace {

// Builders for `SettingSpec::apply`, so each definition below is one readable line.
std::function<absl::Status(std::string_view)> StringInto(std::string& out) {
  return [&out](std::string_view v) {
    out = std::string(v);
    return absl::OkStatus();
  };
}

template <typename Int>
std::function<absl::Status(std::string_view)> IntInto(Int& out,
                                                      std::int64_t min,
                                                      std::int64_t max) {
  return [&out, min, max](std::string_view v) -> absl::Status {
    auto n = common::ParseIntSetting(v, min, max);
    if (!n.ok()) {
      return n.status();
    }
    out = static_cast<Int>(*n);
    return absl::OkStatus();
  };
}

std::function<absl::Status(std::string_view)> BoolInto(bool& out) {
  return [&out](std::string_view v) -> absl::Status {
    auto b = common::ParseBoolSetting(v);
    if (!b.ok()) {
      return b.status();
    }
    out = *b;
    return absl::OkStatus();
  };
}

std::function<absl::Status(std::string_view)> DurationInto(std::chrono::milliseconds& out) {
  return [&out](std::string_view v) -> absl::Status {
    auto d = common::ParseDurationSetting(v);
    if (!d.ok()) {
      return d.status();
    }
    out = *d;
    return absl::OkStatus();
  };
}

std::function<absl::Status(std::string_view)> BytesInto(std::uint64_t& out) {
  return [&out](std::string_view v) -> absl::Status {
    auto b = common::ParseBytesSetting(v);
    if (!b.ok()) {
      return b.status();
    }
    out = *b;
    return absl::OkStatus();
  };
}

std::function<absl::Status(std::string_view)> ListInto(std::vector<std::string>& out) {
  return [&out](std::string_view v) {
    out = common::ParseListSetting(v);
    return absl::OkStatus();
  };
}

// A duration of at least `min`.
std::function<absl::Status(std::string_view)> DurationAtLeast(std::chrono::milliseconds& out,
                                                              std::chrono::milliseconds min) {
  return [&out, min](std::string_view v) -> absl::Status {
    auto d = common::ParseDurationSetting(v);
    if (!d.ok() || *d < min) {
      return absl::InvalidArgumentError(
          fmt::format("must be a duration of at least {} ms, e.g. 300s or 2h", min.count()));
    }
    out = *d;
    return absl::OkStatus();
  };
}

// A duration in whole seconds, at least `min`.
std::function<absl::Status(std::string_view)> SecondsAtLeast(std::chrono::seconds& out,
                                                             std::chrono::seconds min) {
  return [&out, min](std::string_view v) -> absl::Status {
    auto d = common::ParseDurationSetting(v);
    if (!d.ok() || *d < min) {
      return absl::InvalidArgumentError(
          fmt::format("must be a duration of at least {} s, e.g. 90s or 15m", min.count()));
    }
    out = std::chrono::duration_cast<std::chrono::seconds>(*d);
    return absl::OkStatus();
  };
}

// A DNS-1123 label (namespaces, object names): lower-case letters, digits and '-'.
std::function<absl::Status(std::string_view)> DnsLabelInto(std::string& out, bool allow_empty) {
  return [&out, allow_empty](std::string_view v) -> absl::Status {
    bool ok = (allow_empty || !v.empty()) && v.size() <= 63;
    for (char ch : v) {
      ok = ok && ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-');
    }
    if (!ok || (!v.empty() && (v.front() == '-' || v.back() == '-'))) {
      return absl::InvalidArgumentError(
          "must be a DNS label: a-z, 0-9 and '-', at most 63, not starting or ending with '-'");
    }
    out = std::string(v);
    return absl::OkStatus();
  };
}

std::function<absl::Status(std::string_view)> PermissionsInto(auth::PermissionSet& out) {
  return [&out](std::string_view v) -> absl::Status {
    auto set = auth::PermissionSet::FromList(v);
    if (!set.ok()) {
      return set.status();
    }
    out = *set;
    return absl::OkStatus();
  };
}

std::function<absl::Status(std::string_view)> RateLimitInto(auth::RateLimit& out) {
  return [&out](std::string_view v) -> absl::Status {
    auto limit = auth::ParseRateLimit(v);
    if (!limit.ok()) {
      return limit.status();
    }
    out = *limit;
    return absl::OkStatus();
  };
}

void DefineGeneral(common::Settings& s, HubConfig& c) {
  s.Define({"data_dir",
            {"HUB_DATA_DIR"},
            "./var",
            "directory for the SQLite database, result files and uploads",
            false,
            StringInto(c.data_dir)});
  s.Define({"web_dir",
            {"HUB_WEB_DIR"},
            "",
            "directory of the built web UI (web/dist)",
            false,
            StringInto(c.web_dir)});
  s.Define({"log.format",
            {"HUB_LOG_FORMAT"},
            "text",
            "text or json (JSON lines)",
            false,
            [&c](std::string_view v) -> absl::Status {
              auto f = log::ParseFormat(v);
              if (!f.ok()) {
                return absl::InvalidArgumentError("must be text or json");
              }
              c.log.format = *f;
              return absl::OkStatus();
            }});
  s.Define({"log.level",
            {"HUB_LOG_LEVEL", "LOG_LEVEL"},
            "info",
            "debug, info, warn or error",
            false,
            [&c](std::string_view v) -> absl::Status {
              auto l = log::ParseLevel(v);
              if (!l.ok()) {
                return absl::InvalidArgumentError("must be debug, info, warn or error");
              }
              c.log.level = *l;
              return absl::OkStatus();
            }});
  s.Define({"log.file",
            {"HUB_LOG_FILE"},
            "",
            "append logs to this file instead of stderr",
            false,
            StringInto(c.log.file)});
}

void DefineHttp(common::Settings& s, HubConfig& c) {
  http::ServerOptions& h = c.http;
  s.Define({"http.host",
            {"HUB_HTTP_HOST", "API_HOST"},
            "127.0.0.1",
            "address to listen on",
            false,
            [&h](std::string_view v) {
              // The upstream default spelled the loopback address as a name.
              h.host = v == "localhost" ? "127.0.0.1" : std::string(v);
              return absl::OkStatus();
            }});
  s.Define({"http.port",
            {"HUB_HTTP_PORT", "API_PORT"},
            "8080",
            "port (0 picks a free one)",
            false,
            IntInto(h.port, 0, 65535)});
  s.Define({"http.io_threads",
            {"HUB_HTTP_IO_THREADS"},
            "2",
            "threads serving connections",
            false,
            IntInto(h.io_threads, 1, 64)});
  s.Define({"http.worker_threads",
            {"HUB_HTTP_WORKER_THREADS"},
            "16",
            "threads running request handlers",
            false,
            IntInto(h.worker_threads, 1, 1024)});
  s.Define({"http.max_body",
            {"HUB_HTTP_MAX_BODY"},
            "1MiB",
            "largest JSON request body (uploads have their own limit)",
            false,
            BytesInto(h.max_body_bytes)});
  s.Define({"http.idle_timeout",
            {"HUB_HTTP_IDLE_TIMEOUT"},
            "60s",
            "close connections idle this long",
            false,
            DurationInto(h.idle_timeout)});
  s.Define({"http.io_timeout",
            {"HUB_HTTP_IO_TIMEOUT"},
            "30s",
            "each read or write must progress within this long",
            false,
            DurationInto(h.io_timeout)});
  s.Define({"http.max_connections",
            {"HUB_HTTP_MAX_CONNECTIONS"},
            "10000",
            "open connections accepted at once",
            false,
            IntInto(h.max_connections, 1, 1 << 20)});
  s.Define({"http.cors_origins",
            {"HUB_HTTP_CORS_ORIGINS"},
            "",
            "comma-separated origins allowed by CORS; empty disables CORS",
            false,
            ListInto(h.cors_origins)});
  s.Define({"http.shutdown_grace",
            {"HUB_HTTP_SHUTDOWN_GRACE"},
            "30s",
            "time in-flight requests get to finish on SIGTERM",
            false,
            DurationInto(h.shutdown_grace)});
}

void DefineDatabase(common::Settings& s, HubConfig& c) {
  DatabaseConfig& d = c.database;
  s.Define({"database.backend",
            {"HUB_DATABASE_BACKEND"},
            "",
            "sqlite or postgres; empty: postgres when a URL or host is set",
            false,
            [&d](std::string_view v) -> absl::Status {
              if (!v.empty() && v != "sqlite" && v != "postgres") {
                return absl::InvalidArgumentError("must be sqlite or postgres");
              }
              d.backend = std::string(v);
              return absl::OkStatus();
            }});
  s.Define({"database.path",
            {"HUB_DATABASE_PATH"},
            "",
            "SQLite file (default <data_dir>/hub.db)",
            false,
            StringInto(d.sqlite_path)});
  s.Define({"database.url",
            {"HUB_DATABASE_URL", "DATABASE_URL"},
            "",
            "PostgreSQL connection URI or keyword string",
            true,
            StringInto(d.postgres_url)});
  s.Define({"database.host", {"DATABASE_HOST"}, "", "PostgreSQL host", false, StringInto(d.host)});
  s.Define({"database.port",
            {"DATABASE_PORT"},
            "5432",
            "PostgreSQL port",
            false,
            IntInto(d.port, 1, 65535)});
  s.Define(
      {"database.name", {"DATABASE_NAME"}, "", "PostgreSQL database", false, StringInto(d.name)});
  s.Define(
      {"database.user", {"DATABASE_USERNAME"}, "", "PostgreSQL user", false, StringInto(d.user)});
  s.Define({"database.password",
            {"DATABASE_PASSWORD"},
            "",
            "PostgreSQL password",
            true,
            StringInto(d.password)});
  s.Define({"database.schema",
            {"DATABASE_SCHEMA"},
            "hub",
            "PostgreSQL schema holding every table",
            false,
            [&d](std::string_view v) -> absl::Status {
              bool ok = !v.empty() && v.size() <= 63;
              for (char ch : v) {
                ok = ok && ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_');
              }
              if (!ok || (v[0] >= '0' && v[0] <= '9')) {
                return absl::InvalidArgumentError(
                    "must be a lower-case identifier (letters, digits, _; at most 63)");
              }
              d.schema = std::string(v);
              return absl::OkStatus();
            }});
  s.Define({"database.pool_size",
            {"DATABASE_POOL_MAX_SIZE"},
            "10",
            "connections in the pool",
            false,
            IntInto(d.pool_size, 1, 1000)});
  s.Define({"database.busy_timeout",
            {"HUB_DATABASE_BUSY_TIMEOUT"},
            "5s",
            "SQLite: how long a writer waits for the lock",
            false,
            DurationInto(d.busy_timeout)});
  s.Define({"database.migrate_on_start",
            {"HUB_DATABASE_MIGRATE_ON_START"},
            "true",
            "apply pending migrations at start (else refuse to start while any is pending)",
            false,
            BoolInto(d.migrate_on_start)});
}

void DefineSessions(common::Settings& s, auth::AuthOptions& a) {
  s.Define({"auth.user_session_max_age",
            {"HUB_AUTH_USER_SESSION_MAX_AGE", "USER_SESSION_MAX_AGE_SECONDS"},
            "300s",
            "lifetime of an account session (a bare number is seconds); the UI refreshes it",
            false,
            DurationAtLeast(a.user_session_max_age, std::chrono::seconds(1))});
  s.Define({"auth.anonymous_session_max_age",
            {"HUB_AUTH_ANONYMOUS_SESSION_MAX_AGE", "ANONYMOUS_SESSION_MAX_AGE_SECONDS"},
            "48h",
            "lifetime of an anonymous-key session (a bare number is seconds)",
            false,
            DurationAtLeast(a.anonymous_session_max_age, std::chrono::seconds(1))});
  s.Define({"auth.sliding_sessions",
            {"HUB_AUTH_SLIDING_SESSIONS"},
            "false",
            "push an active session's expiry forward (stored at most once per half lifetime)",
            false,
            BoolInto(a.sliding_sessions)});
  s.Define({"auth.session_cache_ttl",
            {"HUB_AUTH_SESSION_CACHE_TTL"},
            "60s",
            "how long a cached session is trusted before the database is asked again; bounds "
            "how long a logout on another replica keeps working here",
            false,
            DurationAtLeast(a.session_cache_ttl, std::chrono::milliseconds(0))});
  s.Define({"auth.session_cache_size",
            {"HUB_AUTH_SESSION_CACHE_SIZE"},
            "100000",
            "sessions and API keys cached in memory",
            false,
            IntInto(a.session_cache_size, 1, 100'000'000)});
  s.Define({"auth.permissions_reload",
            {"HUB_AUTH_PERMISSIONS_RELOAD"},
            "60s",
            "how often permissions changed on other replicas are picked up",
            false,
            DurationAtLeast(a.permissions_reload, std::chrono::seconds(1))});
  s.Define({"auth.default_user_permissions",
            {"HUB_AUTH_DEFAULT_USER_PERMISSIONS"},
            "VIEW_MODELS,SUBMIT_WORK_REQUESTS",
            "permissions stored for new accounts (comma-separated)",
            false,
            PermissionsInto(a.default_user_permissions)});
  s.Define({"auth.anonymous_permissions",
            {"HUB_AUTH_ANONYMOUS_PERMISSIONS"},
            "VIEW_MODELS,SUBMIT_WORK_REQUESTS",
            "permissions of every anonymous key (comma-separated)",
            false,
            PermissionsInto(a.anonymous_permissions)});
  s.Define({"auth.max_api_keys_per_user",
            {"HUB_AUTH_MAX_API_KEYS_PER_USER"},
            "100",
            "API keys one user may hold",
            false,
            IntInto(a.max_api_keys_per_user, 1, 100'000)});
}

void DefinePasswords(common::Settings& s, auth::AuthOptions& a) {
  s.Define({"auth.password.ops_limit",
            {"HUB_AUTH_PASSWORD_OPS_LIMIT"},
            "2",
            "argon2id passes (libsodium INTERACTIVE: 2)",
            false,
            IntInto(a.password.ops_limit, 1, 100)});
  s.Define({"auth.password.mem_limit",
            {"HUB_AUTH_PASSWORD_MEM_LIMIT"},
            "64MiB",
            "argon2id memory per hash (at least 8KiB)",
            false,
            [&a](std::string_view v) -> absl::Status {
              auto bytes = common::ParseBytesSetting(v);
              if (!bytes.ok() || *bytes < 8192 || *bytes > (std::uint64_t{4} << 30)) {
                return absl::InvalidArgumentError("must be a size from 8KiB to 4GiB");
              }
              a.password.mem_limit = static_cast<std::size_t>(*bytes);
              return absl::OkStatus();
            }});
  s.Define({"auth.password.max_concurrent_hashes",
            {"HUB_AUTH_PASSWORD_MAX_CONCURRENT_HASHES"},
            "0",
            "password hashes computed at once (0: one per core); bounds memory under bursts",
            false,
            IntInto(a.password.max_concurrent, 0, 1024)});
  s.Define({"auth.password.min_length",
            {"HUB_AUTH_PASSWORD_MIN_LENGTH"},
            "10",
            "shortest password accepted at signup and on every change",
            false,
            IntInto(a.password_min_length, 4, 256)});
  s.Define({"auth.legacy_password_salt",
            {"HUB_AUTH_LEGACY_PASSWORD_SALT", "PASSWORD_SALT"},
            "",
            "the upstream PASSWORD_SALT, to verify imported accounts (re-hashed at first login)",
            true,
            StringInto(a.password.legacy_salt)});
  s.Define({"auth.reset_token_ttl",
            {"HUB_AUTH_RESET_TOKEN_TTL"},
            "1h",
            "how long an emailed password reset token works",
            false,
            DurationAtLeast(a.reset_token_ttl, std::chrono::seconds(1))});
  s.Define({"auth.password_reset_url",
            {"HUB_AUTH_PASSWORD_RESET_URL"},
            "",
            "link put into reset mails, {token} replaced by the token; empty: the token itself",
            false,
            StringInto(a.password_reset_url)});
}

void DefineRateLimits(common::Settings& s, auth::AuthOptions& a) {
  struct Limit {
    const char* key;
    const char* env;
    const char* value;
    auth::RateAction action;
  };

  static constexpr Limit kLimits[] = {
      {"auth.rate_limit.login", "HUB_AUTH_RATE_LIMIT_LOGIN", "10/1m", auth::RateAction::kLogin},
      {"auth.rate_limit.signup", "HUB_AUTH_RATE_LIMIT_SIGNUP", "10/1h", auth::RateAction::kSignup},
      {"auth.rate_limit.anonymous_login", "HUB_AUTH_RATE_LIMIT_ANONYMOUS_LOGIN", "30/1m",
       auth::RateAction::kAnonymousLogin},
      {"auth.rate_limit.forgot_password", "HUB_AUTH_RATE_LIMIT_FORGOT_PASSWORD", "5/1h",
       auth::RateAction::kForgotPassword},
  };
  for (const Limit& limit : kLimits) {
    s.Define({limit.key,
              {limit.env},
              limit.value,
              fmt::format("{} attempts per client address, N/period (10/1m) or off",
                          auth::RateActionName(limit.action)),
              false,
              RateLimitInto(a.rate_limits[static_cast<size_t>(limit.action)])});
  }
  s.Define({"http.trust_forwarded_for",
            {"HUB_HTTP_TRUST_FORWARDED_FOR"},
            "false",
            "take the client address from X-Forwarded-For (only behind a trusted proxy)",
            false,
            BoolInto(a.trust_forwarded_for)});
}

void DefineBootstrapAndMail(common::Settings& s, auth::AuthOptions& a) {
  auth::InitialAdmin& admin = a.initial_admin;
  s.Define({"auth.initial_admin.username",
            {"HUB_AUTH_INITIAL_ADMIN_USERNAME"},
            "",
            "create this ADMIN at start when no user holds ADMIN",
            false,
            StringInto(admin.username)});
  s.Define({"auth.initial_admin.email",
            {"HUB_AUTH_INITIAL_ADMIN_EMAIL"},
            "",
            "email of the initial admin",
            false,
            StringInto(admin.email)});
  s.Define({"auth.initial_admin.password",
            {"HUB_AUTH_INITIAL_ADMIN_PASSWORD"},
            "",
            "password of the initial admin",
            true,
            StringInto(admin.password)});
  s.Define({"auth.initial_admin.first_name",
            {},
            "Admin",
            "first name of the initial admin",
            false,
            StringInto(admin.first_name)});
  s.Define({"auth.initial_admin.last_name",
            {},
            "Admin",
            "last name of the initial admin",
            false,
            StringInto(admin.last_name)});

  auth::SmtpOptions& m = a.smtp;
  s.Define({"smtp.url",
            {"HUB_SMTP_URL"},
            "",
            "smtp://host:port or smtps://host:port for password reset mails; empty: no mail",
            false,
            StringInto(m.url)});
  s.Define(
      {"smtp.username", {"HUB_SMTP_USERNAME"}, "", "SMTP login", false, StringInto(m.username)});
  s.Define(
      {"smtp.password", {"HUB_SMTP_PASSWORD"}, "", "SMTP password", true, StringInto(m.password)});
  s.Define({"smtp.from",
            {"HUB_SMTP_FROM"},
            "ersilia-hub@localhost",
            "sender address of mails",
            false,
            StringInto(m.from)});
  s.Define({"smtp.timeout",
            {"HUB_SMTP_TIMEOUT"},
            "30s",
            "how long one mail may take",
            false,
            DurationAtLeast(m.timeout, std::chrono::seconds(1))});
}

void DefineAuth(common::Settings& s, HubConfig& c) {
  DefineSessions(s, c.auth);
  DefinePasswords(s, c.auth);
  DefineRateLimits(s, c.auth);
  DefineBootstrapAndMail(s, c.auth);
}

std::function<absl::Status(std::string_view)> BackendInto(std::string& out) {
  return [&out](std::string_view v) -> absl::Status {
    if (v != runtime::kLocalBackend && v != runtime::kUrlBackend &&
        v != runtime::kKubernetesBackend) {
      return absl::InvalidArgumentError("must be local, url or kubernetes");
    }
    out = std::string(v);
    return absl::OkStatus();
  };
}

std::function<absl::Status(std::string_view)> MemoryBudgetInto(std::string& out) {
  return [&out](std::string_view v) -> absl::Status {
    if (v != "auto" && !common::ParseBytesSetting(v).ok()) {
      return absl::InvalidArgumentError("must be auto, 0 (no budget) or a size such as 8GiB");
    }
    out = std::string(v);
    return absl::OkStatus();
  };
}

void DefinePool(common::Settings& s, runtime::PoolOptions& p, HubConfig& c) {
  s.Define({"runtime.backend",
            {"HUB_RUNTIME_BACKEND"},
            "local",
            "backend of models that name none: local (model-server processes), url or "
            "kubernetes (pods; see k8s.*)",
            false,
            BackendInto(p.default_backend)});
  s.Define({"runtime.server_id",
            {"HUB_SERVER_ID", "SERVER_ID"},
            "",
            "this replica's id, owner of its instances (default: the host name)",
            false,
            StringInto(p.server_id)});
  s.Define({"runtime.max_instances",
            {"HUB_RUNTIME_MAX_INSTANCES", "MAX_CONCURRENT_MODEL_INSTANCES"},
            "8",
            "model instances this replica runs at once",
            false,
            IntInto(p.max_instances, 1, 10000)});
  s.Define({"runtime.memory_budget",
            {"HUB_RUNTIME_MEMORY_BUDGET"},
            "auto",
            "memory the instances' models may declare in total: auto (75% of RAM), 0 or a size",
            false,
            MemoryBudgetInto(c.memory_budget)});
  s.Define({"runtime.idle_timeout",
            {"HUB_RUNTIME_IDLE_TIMEOUT"},
            "5m",
            "stop an instance idle this long (a model's idle_timeout_seconds overrides it)",
            false,
            DurationInto(p.idle_timeout)});
  s.Define({"runtime.start_timeout",
            {"HUB_RUNTIME_START_TIMEOUT"},
            "60s",
            "give up on an instance not ready this long after its start",
            false,
            DurationAtLeast(p.start_timeout, std::chrono::seconds(1))});
  s.Define({"runtime.backoff_initial",
            {"HUB_RUNTIME_BACKOFF_INITIAL"},
            "10s",
            "pause after a model's first failed start; doubles with each failure",
            false,
            DurationInto(p.backoff_initial)});
  s.Define({"runtime.backoff_max",
            {"HUB_RUNTIME_BACKOFF_MAX"},
            "5m",
            "longest pause between start attempts of a failing model",
            false,
            DurationInto(p.backoff_max)});
  s.Define({"runtime.stop_grace",
            {"HUB_RUNTIME_STOP_GRACE"},
            "5s",
            "time a stopping instance gets before it is killed",
            false,
            DurationInto(p.stop_grace)});
}

void DefineLocalAndMetrics(common::Settings& s, runtime::RuntimeOptions& r) {
  s.Define({"runtime.local.threads",
            {"HUB_RUNTIME_LOCAL_THREADS"},
            "1",
            "compute threads of a local instance (a model's threads overrides it)",
            false,
            IntInto(r.pool.default_threads, 1, 256)});
  s.Define({"runtime.local.binary",
            {"HUB_RUNTIME_LOCAL_BINARY"},
            "",
            "ersilia-hub binary that runs model-server (default: this one)",
            false,
            StringInto(r.local.binary)});
  s.Define({"runtime.local.log_dir",
            {"HUB_RUNTIME_LOCAL_LOG_DIR"},
            "",
            "instance logs (default <data_dir>/instances)",
            false,
            StringInto(r.local.log_dir)});
  s.Define({"runtime.local.rdkit_data_dir",
            {"HUB_RDKIT_DATA_DIR"},
            "/usr/share/RDKit",
            "RDKit data of the built-in models (Debian package rdkit-data)",
            false,
            StringInto(r.local.rdkit_data_dir)});
  s.Define({"runtime.metrics_interval",
            {"HUB_RUNTIME_METRICS_INTERVAL"},
            "5s",
            "how often instance CPU and memory are sampled",
            false,
            DurationAtLeast(r.sampler.interval, std::chrono::milliseconds(100))});
  s.Define({"runtime.enforce_memory_limits",
            {"HUB_RUNTIME_ENFORCE_MEMORY_LIMITS"},
            "true",
            "kill an instance that uses more than its model's memory_limit",
            false,
            BoolInto(r.sampler.enforce_memory_limits)});
  s.Define({"runtime.recommendations_interval",
            {"HUB_RUNTIME_RECOMMENDATIONS_INTERVAL"},
            "10m",
            "how often resource recommendations are recomputed",
            false,
            DurationAtLeast(r.recommendations.refresh_interval, std::chrono::seconds(1))});
}

void DefineModels(common::Settings& s, HubConfig& c) {
  runtime::RuntimeOptions& r = c.runtime;
  s.Define({"models.catalog_url",
            {"HUB_MODELS_CATALOG_URL", "ERSILIA_CATALOG_MODELS_URL"},
            "https://catalog.ersilia.io/api/models",
            "Ersilia catalog (http, https or file URL) for identification details; empty: none",
            false,
            StringInto(r.catalog_url)});
  s.Define({"models.public_catalog",
            {"HUB_MODELS_PUBLIC_CATALOG"},
            "false",
            "model list and get need no login (VIEW_MODELS otherwise)",
            false,
            BoolInto(c.public_model_catalog)});
  s.Define({"models.refresh_interval",
            {"HUB_MODELS_REFRESH_INTERVAL"},
            "30s",
            "reload the model registry this often (changes by other replicas)",
            false,
            DurationAtLeast(r.models.refresh_interval, std::chrono::seconds(1))});
  s.Define({"models.register_builtins",
            {"HUB_MODELS_REGISTER_BUILTINS"},
            "true",
            "register the built-in models that are missing at start",
            false,
            BoolInto(r.register_builtins)});
}

void DefineK8sCluster(common::Settings& s, HubConfig& c) {
  runtime::KubernetesBackendOptions& b = c.runtime.k8s.backend;
  s.Define({"k8s.enabled",
            {"HUB_K8S_ENABLED"},
            "false",
            "run the kubernetes backend although runtime.backend is another one (for models "
            "whose record names it); on whenever runtime.backend is kubernetes",
            false,
            BoolInto(c.k8s.enabled)});
  s.Define({"k8s.kubeconfig",
            {"HUB_K8S_KUBECONFIG"},
            "",
            "kubeconfig file (its current context); empty: in-cluster service account",
            false,
            StringInto(c.k8s.kubeconfig)});
  s.Define({"k8s.token",
            {"HUB_K8S_TOKEN"},
            "",
            "bearer token used instead of the kubeconfig's or the service account's",
            true,
            StringInto(c.k8s.token)});
  s.Define({"k8s.namespace",
            {"HUB_K8S_NAMESPACE"},
            "eos-models",
            "namespace of model pods and of the hub's Leases",
            false,
            DnsLabelInto(b.namespace_name, false)});
  s.Define({"k8s.replica_lease_duration",
            {"HUB_K8S_REPLICA_LEASE_DURATION"},
            "60s",
            "a replica whose Lease is not renewed this long is dead: its pods are reclaimed",
            false,
            SecondsAtLeast(c.runtime.k8s.replicas.lease_duration, std::chrono::seconds(2))});
  s.Define({"k8s.replica_lease_interval",
            {"HUB_K8S_REPLICA_LEASE_INTERVAL"},
            "15s",
            "how often this replica renews its Lease and reclaims dead replicas' pods",
            false,
            DurationAtLeast(c.runtime.k8s.replicas.interval, std::chrono::milliseconds(100))});
}

void DefineK8sPods(common::Settings& s, runtime::KubernetesBackendOptions& b) {
  s.Define({"k8s.image_repository",
            {"HUB_K8S_IMAGE_REPOSITORY"},
            "ersiliaos",
            "model images are <repository>/<model id>:<image tag>",
            false,
            StringInto(b.image_repository)});
  s.Define({"k8s.pod_port",
            {"HUB_K8S_POD_PORT"},
            "80",
            "port the model server listens on inside the pod",
            false,
            IntInto(b.pod_port, 1, 65535)});
  s.Define({"k8s.priority_class",
            {"HUB_K8S_PRIORITY_CLASS"},
            "",
            "priorityClassName of model pods; empty: none",
            false,
            StringInto(b.priority_class)});
  s.Define({"k8s.scheduler_name",
            {"HUB_K8S_SCHEDULER_NAME"},
            "",
            "schedulerName of model pods (a second scheduler scoring MostAllocated packs them "
            "onto few nodes); empty: the cluster's default scheduler",
            false,
            StringInto(b.scheduler_name)});
  s.Define({"k8s.unschedulable_timeout",
            {"HUB_K8S_UNSCHEDULABLE_TIMEOUT"},
            "15m",
            "an Unschedulable pod fails after this long when nodes can be added",
            false,
            SecondsAtLeast(b.unschedulable_timeout, std::chrono::seconds(1))});
  s.Define({"k8s.unschedulable_timeout_without_scaling",
            {"HUB_K8S_UNSCHEDULABLE_TIMEOUT_WITHOUT_SCALING"},
            "3m",
            "an Unschedulable pod fails after this long when nothing adds nodes",
            false,
            SecondsAtLeast(b.unschedulable_timeout_without_scaling, std::chrono::seconds(1))});
  s.Define({"k8s.image_pull_timeout",
            {"HUB_K8S_IMAGE_PULL_TIMEOUT"},
            "15m",
            "a pod whose image pull keeps failing transiently (rate limits) fails after this long",
            false,
            SecondsAtLeast(b.image_pull_timeout, std::chrono::seconds(1))});
  s.Define({"k8s.ready_timeout",
            {"HUB_K8S_READY_TIMEOUT"},
            "10m",
            "a scheduled pod not ready this long fails",
            false,
            SecondsAtLeast(b.ready_timeout, std::chrono::seconds(1))});
  s.Define({"k8s.watch_timeout",
            {"HUB_K8S_WATCH_TIMEOUT"},
            "5m",
            "the API server ends each pod watch after this long (timeoutSeconds); it resumes",
            false,
            SecondsAtLeast(b.watch_timeout, std::chrono::seconds(1))});
  s.Define({"k8s.watch_idle_timeout",
            {"HUB_K8S_WATCH_IDLE_TIMEOUT"},
            "6m",
            "a pod watch silent this long (a stalled or half-open stream) is dropped and the pods "
            "relisted; keep it above the API server's bookmark interval",
            false,
            DurationAtLeast(b.watch_idle_timeout, std::chrono::seconds(1))});
}

void DefineK8sAutoscaling(common::Settings& s, HubConfig& c) {
  s.Define({"k8s.cluster_autoscaler",
            {"HUB_K8S_CLUSTER_AUTOSCALER"},
            "false",
            "a cluster-autoscaler or Karpenter adds nodes (Unschedulable pods are waited out)",
            false,
            BoolInto(c.k8s.cluster_autoscaler)});
  s.Define({"k8s.node_scaling.enabled",
            {"HUB_K8S_NODE_SCALING_ENABLED"},
            "false",
            "scale a Cluster API MachineDeployment with the hub's own node scaler",
            false,
            BoolInto(c.runtime.k8s.node_scaling)});
  k8s::NodeScalerOptions& n = c.runtime.k8s.scaler;
  s.Define({"k8s.node_scaling.machine_deployment",
            {"HUB_K8S_NODE_SCALING_MACHINE_DEPLOYMENT"},
            "",
            "the MachineDeployment (node group) the hub scales",
            false,
            DnsLabelInto(n.machine_deployment, true)});
  s.Define({"k8s.node_scaling.namespace",
            {"HUB_K8S_NODE_SCALING_NAMESPACE"},
            "default",
            "namespace of the MachineDeployment",
            false,
            DnsLabelInto(n.capi_namespace, false)});
  s.Define({"k8s.node_scaling.min_nodes",
            {"HUB_K8S_NODE_SCALING_MIN_NODES"},
            "0",
            "fewest nodes the group is scaled down to",
            false,
            IntInto(n.min_nodes, 0, 10'000)});
  s.Define({"k8s.node_scaling.max_nodes",
            {"HUB_K8S_NODE_SCALING_MAX_NODES"},
            "10",
            "most nodes the group is scaled up to",
            false,
            IntInto(n.max_nodes, 0, 10'000)});
  s.Define({"k8s.node_scaling.interval",
            {"HUB_K8S_NODE_SCALING_INTERVAL"},
            "10s",
            "how often the node scaler looks at pending pods and idle nodes",
            false,
            DurationAtLeast(n.interval, std::chrono::milliseconds(10))});
}

void DefineK8sScalingTimers(common::Settings& s, k8s::NodeScalerOptions& n) {
  s.Define({"k8s.node_scaling.pending_grace",
            {"HUB_K8S_NODE_SCALING_PENDING_GRACE"},
            "10s",
            "a pod Unschedulable this long asks for a node",
            false,
            SecondsAtLeast(n.pending_grace, std::chrono::seconds(0))});
  s.Define({"k8s.node_scaling.idle_before_removal",
            {"HUB_K8S_NODE_SCALING_IDLE_BEFORE_REMOVAL"},
            "10m",
            "a node holding only idle model pods this long is drained and removed",
            false,
            SecondsAtLeast(n.idle_before_removal, std::chrono::seconds(0))});
  s.Define({"k8s.node_scaling.delay_after_scale_up",
            {"HUB_K8S_NODE_SCALING_DELAY_AFTER_SCALE_UP"},
            "10m",
            "no scale-down this long after a scale-up",
            false,
            SecondsAtLeast(n.delay_after_scale_up, std::chrono::seconds(0))});
  s.Define({"k8s.node_scaling.delay_after_failure",
            {"HUB_K8S_NODE_SCALING_DELAY_AFTER_FAILURE"},
            "3m",
            "no scale-down this long after a failed one",
            false,
            SecondsAtLeast(n.delay_after_failure, std::chrono::seconds(0))});
  s.Define({"k8s.node_scaling.drain_timeout",
            {"HUB_K8S_NODE_SCALING_DRAIN_TIMEOUT"},
            "2m",
            "a drain blocked by PodDisruptionBudgets this long is given up",
            false,
            SecondsAtLeast(n.drain_timeout, std::chrono::seconds(1))});
}

void DefineK8s(common::Settings& s, HubConfig& c) {
  DefineK8sCluster(s, c);
  DefineK8sPods(s, c.runtime.k8s.backend);
  DefineK8sAutoscaling(s, c);
  DefineK8sScalingTimers(s, c.runtime.k8s.scaler);
}

void DefineRuntime(common::Settings& s, HubConfig& c) {
  DefinePool(s, c.runtime.pool, c);
  DefineLocalAndMetrics(s, c.runtime);
  DefineModels(s, c);
  DefineK8s(s, c);
}

// 75% of the machine's memory, in MiB; 0 when /proc/meminfo cannot be read.
std::int64_t DefaultMemoryBudgetMb() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  std::int64_t kib = 0;
  while (meminfo >> key >> kib) {
    if (key == "MemTotal:") {
      return kib / 1024 * 3 / 4;
    }
    meminfo.ignore(64, '\n');
  }
  return 0;
}

absl::Status FinalizeRuntime(HubConfig& config) {
  runtime::RuntimeOptions& r = config.runtime;
  if (r.local.log_dir.empty()) {
    r.local.log_dir = config.data_dir + "/instances";
  }
  if (r.pool.server_id.empty()) {
    char host[256] = {0};
    gethostname(host, sizeof(host) - 1);
    r.pool.server_id = host[0] != 0 ? host : "local";
  }
  if (config.memory_budget == "auto") {
    r.pool.memory_budget_mb = DefaultMemoryBudgetMb();
  } else {
    HUB_ASSIGN_OR_RETURN(std::uint64_t bytes, common::ParseBytesSetting(config.memory_budget));
    r.pool.memory_budget_mb = static_cast<std::int64_t>(bytes >> 20);
  }
  if (r.pool.backoff_max < r.pool.backoff_initial) {
    return absl::InvalidArgumentError(
        "runtime.backoff_max must not be below runtime.backoff_initial");
  }
  r.local.ready_timeout = r.pool.start_timeout;
  r.url.ready_timeout = r.pool.start_timeout;
  return absl::OkStatus();
}

// Loads where the Kubernetes API is, when the kubernetes backend is on.
absl::Status FinalizeK8s(HubConfig& config) {
  runtime::KubernetesRuntimeOptions& k = config.runtime.k8s;
  k.enabled =
      config.k8s.enabled || config.runtime.pool.default_backend == runtime::kKubernetesBackend;
  if (k.node_scaling && !k.enabled) {
    return absl::InvalidArgumentError(
        "k8s.node_scaling.enabled needs the kubernetes backend (runtime.backend=kubernetes or "
        "k8s.enabled=true)");
  }
  if (k.node_scaling && k.scaler.machine_deployment.empty()) {
    return absl::InvalidArgumentError(
        "k8s.node_scaling.enabled needs k8s.node_scaling.machine_deployment");
  }
  if (k.scaler.max_nodes < k.scaler.min_nodes) {
    return absl::InvalidArgumentError(
        "k8s.node_scaling.max_nodes must not be below k8s.node_scaling.min_nodes");
  }
  if (!k.enabled) {
    return absl::OkStatus();
  }
  absl::StatusOr<k8s::KubeConfig> loaded;
  if (!config.k8s.kubeconfig.empty()) {
    loaded = k8s::LoadKubeconfig(config.k8s.kubeconfig);
  } else {
    // Read once at start, before any thread runs.
    const char* host = std::getenv("KUBERNETES_SERVICE_HOST");  // NOLINT(concurrency-mt-unsafe)
    const char* port = std::getenv("KUBERNETES_SERVICE_PORT");  // NOLINT(concurrency-mt-unsafe)
    loaded = k8s::LoadInCluster(host == nullptr ? "" : host, port == nullptr ? "443" : port,
                                k8s::kServiceAccountDir);
  }
  if (!loaded.ok()) {
    return {loaded.status().code(), fmt::format("k8s: {} (set k8s.kubeconfig, or run in a cluster)",
                                                common::ToString(loaded.status().message()))};
  }
  k.client.config = *loaded;
  if (!config.k8s.token.empty()) {
    k.client.config.token = config.k8s.token;
    k.client.config.token_file.clear();
  }
  k.backend.node_scaling = k.node_scaling || config.k8s.cluster_autoscaler;
  // Pods have limits per stage (scheduling, pull, readiness); the pool's own limit only
  // catches a backend that never reports.
  const runtime::KubernetesBackendOptions& b = k.backend;
  auto stages = std::max(b.unschedulable_timeout, b.unschedulable_timeout_without_scaling) +
                b.image_pull_timeout + b.ready_timeout + std::chrono::minutes(1);
  config.runtime.pool.start_timeout_by_backend[std::string(runtime::kKubernetesBackend)] =
      std::max<std::chrono::milliseconds>(stages, config.runtime.pool.start_timeout);
  return absl::OkStatus();
}

}  // namespace

void DefineJobQueue(common::Settings& s, jobs::JobsOptions& j) {
  s.Define({"jobs.workers",
            {"HUB_JOBS_WORKERS"},
            "4",
            "chunks this replica runs at once (0: none; the replica only serves the API)",
            false,
            IntInto(j.workers.threads, 0, 1024)});
  s.Define({"jobs.lease_ttl",
            {"HUB_JOBS_LEASE_TTL"},
            "30s",
            "a chunk whose replica stops renewing its lease this long runs again elsewhere",
            false,
            DurationAtLeast(j.workers.lease_ttl, std::chrono::seconds(1))});
  s.Define({"jobs.acquire_timeout",
            {"HUB_JOBS_ACQUIRE_TIMEOUT"},
            "60s",
            "how long a chunk waits for a model instance before it is retried later",
            false,
            DurationAtLeast(j.workers.exec.acquire_timeout, std::chrono::milliseconds(100))});
  s.Define({"jobs.run_timeout",
            {"HUB_JOBS_RUN_TIMEOUT"},
            "20m",
            "how long a model may take for one chunk; longer is retried smaller",
            false,
            DurationAtLeast(j.workers.exec.run_timeout, std::chrono::milliseconds(100))});
  s.Define({"jobs.wait_timeout",
            {"HUB_JOBS_WAIT_TIMEOUT"},
            "30m",
            "a request that has not started this long after submission fails with the reason",
            false,
            DurationAtLeast(j.workers.wait_timeout, std::chrono::seconds(1))});
  s.Define({"jobs.max_attempts",
            {"HUB_JOBS_MAX_ATTEMPTS"},
            "3",
            "transient failures of a chunk before it is split",
            false,
            IntInto(j.workers.max_attempts, 1, 100)});
  s.Define({"jobs.retry_backoff",
            {"HUB_JOBS_RETRY_BACKOFF"},
            "1s",
            "first delay before a failed chunk runs again (doubling up to a minute)",
            false,
            DurationInto(j.workers.retry_backoff)});
}

void DefineJobIntake(common::Settings& s, HubConfig& c) {
  jobs::JobsOptions& j = c.jobs;
  s.Define({"jobs.max_rows",
            {"HUB_JOBS_MAX_ROWS"},
            "1000000",
            "molecules one request may hold",
            false,
            IntInto(j.service.max_rows, 1, 100'000'000)});
  s.Define({"jobs.max_upload",
            {"HUB_JOBS_MAX_UPLOAD"},
            "256MiB",
            "largest upload or JSON body of one request",
            false,
            BytesInto(c.work_requests.max_upload_bytes)});
  s.Define({"jobs.chunk_rows",
            {"HUB_JOBS_CHUNK_ROWS"},
            "1000",
            "molecules per chunk at most (wide models get smaller chunks)",
            false,
            IntInto(j.service.max_chunk_rows, 1, 100'000)});
  s.Define({"jobs.small_request_rows",
            {"HUB_JOBS_SMALL_REQUEST_ROWS"},
            "1000",
            "requests with at most this many molecules to compute use the fast lane",
            false,
            IntInto(j.service.small_request_rows, 0, 100'000'000)});
  s.Define({"jobs.results_dir",
            {"HUB_JOBS_RESULTS_DIR"},
            "",
            "where inputs and results are stored (default: <data_dir>/results)",
            false,
            StringInto(j.results_dir)});
}

void DefineRetention(common::Settings& s, jobs::RetentionOptions& r) {
  s.Define({"jobs.retention.anonymous_age",
            {"HUB_JOBS_RETENTION_ANONYMOUS_AGE"},
            "7d",
            "anonymous keys' requests are deleted this long after submission",
            false,
            DurationAtLeast(r.anonymous_age, std::chrono::minutes(1))});
  s.Define({"jobs.retention.max_age",
            {"HUB_JOBS_RETENTION_MAX_AGE"},
            "0",
            "registered users' requests are deleted this long after submission (0: kept)",
            false,
            DurationInto(r.max_age)});
  s.Define({"jobs.retention.interval",
            {"HUB_JOBS_RETENTION_INTERVAL"},
            "1h",
            "how often expired requests are looked for",
            false,
            DurationAtLeast(r.interval, std::chrono::seconds(1))});
}

void DefineJobs(common::Settings& s, HubConfig& c) {
  DefineJobQueue(s, c.jobs);
  DefineJobIntake(s, c);
  DefineRetention(s, c.jobs.retention);
}

void DefineSettings(common::Settings& settings, HubConfig& config) {
  DefineGeneral(settings, config);
  DefineHttp(settings, config);
  DefineDatabase(settings, config);
  DefineAuth(settings, config);
  DefineRuntime(settings, config);
  DefineJobs(settings, config);
}

absl::Status Finalize(HubConfig& config) {
  DatabaseConfig& d = config.database;
  if (d.sqlite_path.empty()) {
    d.sqlite_path = config.data_dir + "/hub.db";
  }
  if (d.backend.empty()) {
    d.backend = d.postgres_url.empty() && d.host.empty() ? "sqlite" : "postgres";
  }
  if (d.backend == "postgres" && d.postgres_url.empty()) {
    if (d.host.empty() || d.name.empty()) {
      return absl::InvalidArgumentError(
          "database.backend is postgres but neither database.url nor database.host and "
          "database.name are set");
    }
  }
  config.http.spool_dir = config.data_dir + "/uploads";
  HUB_RETURN_IF_ERROR(FinalizeRuntime(config));
  HUB_RETURN_IF_ERROR(FinalizeK8s(config));
  if (config.jobs.results_dir.empty()) {
    config.jobs.results_dir = config.data_dir + "/results";
  }
  config.jobs.run_workers = config.jobs.workers.threads > 0;
#ifdef HUB_DEFAULT_WEB_DIR
  // A binary built from a source tree serves that tree's built UI unless told otherwise.
  if (config.web_dir.empty()) {
    config.web_dir = HUB_DEFAULT_WEB_DIR;
  }
#endif
  return absl::OkStatus();
}

}  // namespace hub::cli
