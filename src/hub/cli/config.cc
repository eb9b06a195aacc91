#include "hub/cli/config.h"

#include "fmt/format.h"

#include "hub/common/strings.h"

namespace hub::cli {
namespace {

using common::SettingSpec;

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

}  // namespace

void DefineSettings(common::Settings& settings, HubConfig& config) {
  DefineGeneral(settings, config);
  DefineHttp(settings, config);
  DefineDatabase(settings, config);
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
#ifdef HUB_DEFAULT_WEB_DIR
  // A binary built from a source tree serves that tree's built UI unless told otherwise.
  if (config.web_dir.empty()) {
    config.web_dir = HUB_DEFAULT_WEB_DIR;
  }
#endif
  return absl::OkStatus();
}

}  // namespace hub::cli
