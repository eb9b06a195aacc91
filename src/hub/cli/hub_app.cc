#include "hub/cli/hub_app.h"

#include <filesystem>

#include "fmt/format.h"

#include "hub/api/api_registry.h"
#include "hub/api/api_routes.h"
#include "hub/api/system_api.h"
#include "hub/auth/auth_module.h"
#include "hub/auth/smtp_mail_sender.h"
#include "hub/auth/user_data_cleaner.h"
#include "hub/common/clock.h"
#include "hub/common/log.h"
#include "hub/common/random.h"
#include "hub/common/status_macros.h"
#include "hub/common/strings.h"
#include "hub/http/router.h"
#include "hub/http/server.h"
#include "hub/jobs/jobs_module.h"
#include "hub/metrics/registry.h"
#include "hub/runtime/runtime_module.h"
#include "hub/store/dsn.h"
#include "hub/store/migrator.h"
#include "hub/store/open_database.h"

#include "prometheus/counter.h"
#include "prometheus/family.h"

namespace hub::cli {
namespace {

// Deleting a user's data or cache contributions (the users API) reaches the work requests
// through this.
class WorkRequestCleaner final : public auth::UserDataCleaner {
public:
  explicit WorkRequestCleaner(jobs::JobsModule& jobs) : jobs_(jobs) {}

  std::string_view name() const override { return "work requests"; }

  absl::StatusOr<std::int64_t> ClearData(const std::string& user_id) override {
    return jobs_.ClearUserData(user_id);
  }

  absl::StatusOr<std::int64_t> ClearContributions(const std::string& user_id) override {
    return jobs_.ClearUserContributions(user_id);
  }

private:
  jobs::JobsModule& jobs_;
};

// Quotes a libpq keyword value when it needs it.
std::string DsnValue(const std::string& value) {
  if (!value.empty() && value.find_first_of(" '\\") == std::string::npos) {
    return value;
  }
  std::string quoted = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') {
      quoted.push_back('\\');
    }
    quoted.push_back(c);
  }
  return quoted + "'";
}

absl::Status Readiness(store::Database& db, store::Migrator& migrator) {
  HUB_RETURN_IF_ERROR(db.Ping());
  HUB_ASSIGN_OR_RETURN(auto pending, migrator.Pending());
  if (!pending.empty()) {
    return absl::UnavailableError(fmt::format(
        "{} database migrations are pending; run `ersilia-hub migrate`", pending.size()));
  }
  return absl::OkStatus();
}

// Copies the database's per-table statement counters into `hub_db_statements_total` at each
// scrape, so tests and operators can see which tables a code path touches.
void ExportDatabaseStats(metrics::Registry& registry, store::Database& db) {
  auto& family = prometheus::BuildCounter()
                     .Name("hub_db_statements_total")
                     .Help("SQL statements executed, by table they name")
                     .Register(registry.prometheus());
  registry.AddCollectHook([&family, &db] {
    store::DatabaseStats stats = db.stats();
    for (const auto& [table, count] : stats.statements_by_table) {
      prometheus::Counter& counter = family.Add({{"table", table}});
      double delta = static_cast<double>(count) - counter.Value();
      if (delta > 0) {
        counter.Increment(delta);
      }
    }
  });
}

auth::MailSenderPtr MailSenderFor(const HubConfig& config) {
  if (config.auth.smtp.url.empty()) {
    return nullptr;
  }
  return std::make_unique<auth::SmtpMailSender>(config.auth.smtp);
}

}  // namespace

store::DatabaseOptions DatabaseOptionsFor(const HubConfig& config) {
  const DatabaseConfig& d = config.database;
  store::DatabaseOptions options;
  if (d.backend == "postgres") {
    options.backend = store::Dialect::kPostgres;
    options.postgres.dsn = PostgresDsn(d);
    options.postgres.schema = d.schema;
    options.postgres.pool_size = static_cast<size_t>(d.pool_size);
    return options;
  }
  options.backend = store::Dialect::kSqlite;
  options.sqlite.path = d.sqlite_path;
  options.sqlite.pool_size = static_cast<size_t>(std::max(2, d.pool_size));
  options.sqlite.busy_timeout = d.busy_timeout;
  return options;
}

std::string PostgresDsn(const DatabaseConfig& config) {
  if (!config.postgres_url.empty()) {
    return config.postgres_url;
  }
  std::string dsn = fmt::format("host={} port={} dbname={}", DsnValue(config.host), config.port,
                                DsnValue(config.name));
  if (!config.user.empty()) {
    dsn += " user=" + DsnValue(config.user);
  }
  if (!config.password.empty()) {
    dsn += " password=" + DsnValue(config.password);
  }
  return dsn;
}

// Declared in dependency order: members are destroyed in reverse, the server first.
struct HubApp::Parts {
  metrics::Registry metrics;
  store::DatabasePtr db;
  std::unique_ptr<store::Migrator> migrator;
  std::unique_ptr<auth::AuthModule> auth;
  std::unique_ptr<runtime::RuntimeModule> runtime;
  std::unique_ptr<jobs::JobsModule> jobs;
  std::unique_ptr<WorkRequestCleaner> cleaner;
  http::Router router;
  std::unique_ptr<api::ApiRoutes> api_routes;
  std::unique_ptr<http::Server> server;
};

HubApp::HubApp(HubConfig config) : config_(std::move(config)) {}

HubApp::~HubApp() {
  Stop();
}

absl::Status HubApp::Build(bool background) {
  parts_ = std::make_unique<Parts>();
  std::error_code ec;
  std::filesystem::create_directories(config_.data_dir + "/uploads", ec);
  if (ec) {
    return absl::FailedPreconditionError(
        fmt::format("cannot create data directory {}: {}", config_.data_dir, ec.message()));
  }

  // Database and schema first: nothing else can serve without them.
  HUB_ASSIGN_OR_RETURN(parts_->db, store::OpenDatabase(DatabaseOptionsFor(config_)));
  parts_->migrator = std::make_unique<store::Migrator>(
      *parts_->db, store::BuiltinMigrations(parts_->db->dialect()),
      common::SystemClock::Instance());
  if (config_.database.migrate_on_start) {
    HUB_ASSIGN_OR_RETURN(int applied, parts_->migrator->Apply());
    HUB_LOG(info, "migrations checked", {"applied", applied});
  } else {
    HUB_RETURN_IF_ERROR(Readiness(*parts_->db, *parts_->migrator));
  }
  ExportDatabaseStats(parts_->metrics, *parts_->db);

  // Accounts and sessions: every API route authenticates through them.
  parts_->auth = std::make_unique<auth::AuthModule>(*parts_->db, common::SystemClock::Instance(),
                                                    config_.auth, MailSenderFor(config_));
  HUB_RETURN_IF_ERROR(parts_->auth->Start(background));

  // The model registry and instances; started only when serving (it registers the built-in
  // models and runs the maintenance thread).
  parts_->runtime = std::make_unique<runtime::RuntimeModule>(
      *parts_->db, common::SystemClock::Instance(), &parts_->metrics, config_.runtime);
  if (background) {
    HUB_RETURN_IF_ERROR(parts_->runtime->Start());
  }

  // Work requests: the service the API calls, and this replica's chunk workers. Chunk leases
  // name the process, not only the host, so two replicas on one host never share leases.
  std::string replica =
      fmt::format("{}/{}", config_.runtime.pool.server_id, common::RandomHexToken(4));
  parts_->jobs = std::make_unique<jobs::JobsModule>(*parts_->db, common::SystemClock::Instance(),
                                                    *parts_->runtime, &parts_->metrics,
                                                    std::move(replica), config_.jobs);
  HUB_RETURN_IF_ERROR(parts_->jobs->Open());
  parts_->cleaner = std::make_unique<WorkRequestCleaner>(*parts_->jobs);
  parts_->auth->users().RegisterCleaner(parts_->cleaner.get());
  if (background) {
    parts_->jobs->Start();
  }

  api::SystemApiOptions system;
  store::Database* db = parts_->db.get();
  store::Migrator* migrator = parts_->migrator.get();
  system.readiness = [db, migrator] {
    return Readiness(*db, *migrator);
  };
  system.metrics = &parts_->metrics;
  system.web_dir = config_.web_dir;
  api::AddSystemRoutes(parts_->router, std::move(system));

  parts_->api_routes =
      std::make_unique<api::ApiRoutes>(parts_->router, api::SessionAuthenticator(*parts_->auth));
  api::ApiServices services;
  services.auth = parts_->auth.get();
  services.runtime = parts_->runtime.get();
  services.public_model_catalog = config_.public_model_catalog;
  services.jobs = parts_->jobs.get();
  services.db = parts_->db.get();
  services.work_requests = config_.work_requests;
  api::AddApiRoutes(*parts_->api_routes, services);
  return parts_->api_routes->CheckEveryApiRouteDeclared();
}

absl::Status HubApp::BuildRoutesOnly() {
  return Build(false);
}

std::vector<api::RouteAccess> HubApp::Routes() const {
  return parts_->api_routes->FullTable();
}

absl::Status HubApp::Start() {
  HUB_RETURN_IF_ERROR(Build(true));
  parts_->server = std::make_unique<http::Server>(config_.http, parts_->router, &parts_->metrics);
  HUB_RETURN_IF_ERROR(parts_->server->Start());
  HUB_LOG(info, "listening",
          {"url", fmt::format("http://{}:{}", config_.http.host, parts_->server->port())});
  return absl::OkStatus();
}

int HubApp::port() const {
  return parts_->server->port();
}

void HubApp::Stop() {
  if (!parts_) {
    return;
  }
  if (parts_->server) {
    HUB_LOG(info, "stopping: finishing in-flight requests");
    parts_->server->Stop();
  }
  if (parts_->jobs) {
    parts_->jobs->StopWorkers(std::chrono::seconds(10));  // unfinished chunks run again later
  }
  if (parts_->runtime) {
    parts_->runtime->Stop();  // every local model-server process
  }
  if (parts_->jobs) {
    parts_->jobs->Join();
  }
  if (parts_->auth) {
    parts_->auth->Stop();
  }
  parts_.reset();
  HUB_LOG(info, "stopped");
}

}  // namespace hub::cli
