#include "hub/cli/commands.h"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include "fmt/format.h"

#include "hub/cli/hub_app.h"
#include "hub/cli/model_server_command.h"
#include "hub/cli/run_command.h"
#include "hub/cli/user_command.h"
#include "hub/common/clock.h"
#include "hub/common/log.h"
#include "hub/common/strings.h"
#include "hub/store/migrator.h"
#include "hub/store/open_database.h"

#include "CLI/CLI.hpp"

namespace hub::cli {
namespace {

constexpr int kUsageError = 2;
constexpr int kRuntimeError = 1;

int Fail(int code, const absl::Status& status) {
  std::fprintf(stderr, "ersilia-hub: %s\n", common::ToString(status.message()).c_str());
  return code;
}

// Blocks SIGINT and SIGTERM in every thread (the mask is inherited), so that only the main
// thread's `sigwait` sees them and shutdown is orderly.
sigset_t BlockTerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

absl::Status WritePortFile(const std::string& path, int port) {
  std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary);
    out << port << "\n";
    if (!out) {
      return absl::UnavailableError(fmt::format("cannot write port file {}", path));
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    return absl::UnavailableError(fmt::format("cannot write port file {}", path));
  }
  return absl::OkStatus();
}

struct ServeFlags {
  ConfigFlags config;
  bool print_config = false;
  bool print_routes = false;
  std::string port_file;
};

// `serve --print-routes`: one line per route, "METHOD PATTERN ACCESS", as this configuration
// would serve them.
int PrintRoutes(const HubConfig& config) {
  log::Init(config.log.format, log::Level::kWarn, config.log.file);
  HubApp app(config);
  absl::Status built = app.BuildRoutesOnly();
  if (!built.ok()) {
    return Fail(kRuntimeError, built);
  }
  for (const api::RouteAccess& route : app.Routes()) {
    std::cout << http::MethodName(route.method) << " " << route.pattern << " " << route.Describe()
              << "\n";
  }
  return 0;
}

int RunServe(const ServeFlags& flags, const sigset_t& signals) {
  std::string described;
  auto config = LoadConfig(flags.config, flags.print_config ? &described : nullptr);
  if (!config.ok()) {
    return Fail(kUsageError, config.status());
  }
  if (flags.print_config) {
    std::cout << described;
    return 0;
  }
  if (flags.print_routes) {
    return PrintRoutes(*config);
  }
  log::Init(config->log.format, config->log.level, config->log.file);
  HubApp app(*config);
  absl::Status started = app.Start();
  if (!started.ok()) {
    HUB_LOG(error, "start-up failed", {"error", common::ToString(started.message())});
    return Fail(kRuntimeError, started);
  }
  if (!flags.port_file.empty()) {
    absl::Status written = WritePortFile(flags.port_file, app.port());
    if (!written.ok()) {
      return Fail(kRuntimeError, written);
    }
  }
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  HUB_LOG(info, "signal received", {"signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT"});
  app.Stop();
  return 0;
}

struct MigrateFlags {
  ConfigFlags config;
  bool status_only = false;
};

int RunMigrate(const MigrateFlags& flags) {
  auto config = LoadConfig(flags.config);
  if (!config.ok()) {
    return Fail(kUsageError, config.status());
  }
  log::Init(config->log.format, config->log.level, config->log.file);
  store::DatabaseOptions options;
  HubConfig& c = *config;
  if (c.database.backend == "postgres") {
    options.backend = store::Dialect::kPostgres;
    options.postgres.dsn = PostgresDsn(c.database);
    options.postgres.schema = c.database.schema;
  } else {
    options.sqlite.path = c.database.sqlite_path;
  }
  auto db = store::OpenDatabase(options);
  if (!db.ok()) {
    return Fail(kRuntimeError, db.status());
  }
  store::Migrator migrator(**db, store::BuiltinMigrations((*db)->dialect()),
                           common::SystemClock::Instance());
  if (flags.status_only) {
    auto pending = migrator.Pending();
    if (!pending.ok()) {
      return Fail(kRuntimeError, pending.status());
    }
    for (const auto& m : *pending) {
      std::cout << "pending " << m.version << " " << m.name << "\n";
    }
    std::cout << (pending->empty() ? "up to date\n" : "");
    return 0;
  }
  auto applied = migrator.Apply();
  if (!applied.ok()) {
    return Fail(kRuntimeError, applied.status());
  }
  std::cout << "applied " << *applied << " migration(s); up to date\n";
  return 0;
}

}  // namespace

void AddConfigFlags(CLI::App& command, ConfigFlags& flags) {
  command.add_option("-c,--config", flags.config_file, "YAML config file (also HUB_CONFIG)");
  command.add_option("--set", flags.sets, "override a setting: --set http.port=9000")
      ->type_name("KEY=VALUE");
  command.add_option("--host", flags.host, "address to listen on (http.host)");
  command.add_option("--port", flags.port, "port to listen on, 0 for any (http.port)");
  command.add_option("--data-dir", flags.data_dir, "directory for hub data (data_dir)");
  command.add_option("--log-format", flags.log_format, "text or json (log.format)");
  command.add_option("--log-level", flags.log_level, "debug, info, warn, error (log.level)");
}

absl::StatusOr<HubConfig> LoadConfig(const ConfigFlags& flags, std::string* describe) {
  HubConfig config;
  common::Settings settings;
  DefineSettings(settings, config);

  // The environment is read at startup, before the server starts any thread, and nothing in
  // the process sets it: getenv cannot race here.
  std::string file = flags.config_file;
  const char* config_env = std::getenv("HUB_CONFIG");  // NOLINT(concurrency-mt-unsafe)
  if (file.empty() && config_env != nullptr) {
    file = config_env;
  }
  if (!file.empty()) {
    absl::Status loaded = settings.LoadFile(file);
    if (!loaded.ok()) {
      return loaded;
    }
  }
  settings.LoadEnvironment(
      [](const char* name) { return std::getenv(name); });  // NOLINT(concurrency-mt-unsafe)

  std::vector<std::pair<std::string, std::string>> overrides;
  for (const std::string& set : flags.sets) {
    size_t equals = set.find('=');
    if (equals == std::string::npos) {
      return absl::InvalidArgumentError(fmt::format("--set {}: use --set KEY=VALUE", set));
    }
    overrides.emplace_back(set.substr(0, equals), set.substr(equals + 1));
  }
  if (!flags.host.empty()) {
    overrides.emplace_back("http.host", flags.host);
  }
  if (flags.port >= 0) {
    overrides.emplace_back("http.port", std::to_string(flags.port));
  }
  if (!flags.data_dir.empty()) {
    overrides.emplace_back("data_dir", flags.data_dir);
  }
  if (!flags.log_format.empty()) {
    overrides.emplace_back("log.format", flags.log_format);
  }
  if (!flags.log_level.empty()) {
    overrides.emplace_back("log.level", flags.log_level);
  }
  for (auto& [key, value] : overrides) {
    absl::Status set = settings.SetFlag(key, value);
    if (!set.ok()) {
      return set;
    }
  }

  absl::Status applied = settings.Apply();
  if (!applied.ok()) {
    return applied;
  }
  if (describe != nullptr) {
    *describe = settings.Describe();
  }
  absl::Status finalized = Finalize(config);
  if (!finalized.ok()) {
    return finalized;
  }
  return config;
}

int Main(int argc, char** argv) {
  sigset_t signals = BlockTerminationSignals();
  CLI::App app{"Ersilia Hub: run Ersilia models on batches of molecules"};
  app.require_subcommand(1);

  ServeFlags serve;
  CLI::App* serve_command = app.add_subcommand("serve", "run the hub (HTTP API, UI, workers)");
  AddConfigFlags(*serve_command, serve.config);
  serve_command->add_flag("--print-config", serve.print_config,
                          "print the effective settings (secrets masked) and exit");
  serve_command->add_option("--port-file", serve.port_file,
                            "write the bound port to this file once listening");
  serve_command->add_flag("--print-routes", serve.print_routes,
                          "print every route with its declared access and exit");

  MigrateFlags migrate;
  CLI::App* migrate_command = app.add_subcommand("migrate", "apply database migrations");
  AddConfigFlags(*migrate_command, migrate.config);
  migrate_command->add_flag("--status", migrate.status_only, "list pending migrations only");

  ModelServerFlags model_server;
  CLI::App* model_server_command = app.add_subcommand(
      "model-server", "serve one built-in model over the Ersilia model-container protocol");
  AddModelServerFlags(*model_server_command, model_server);

  UserCommand user(app);

  RunFlags run;
  CLI::App* run_command = AddRunCommand(app, run);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every other parse error is a usage error.
    return app.exit(e) == 0 ? 0 : kUsageError;
  }
  if (model_server_command->parsed()) {
    return RunModelServer(model_server, signals);
  }
  if (serve_command->parsed()) {
    return RunServe(serve, signals);
  }
  if (migrate_command->parsed()) {
    return RunMigrate(migrate);
  }
  if (user.parsed()) {
    return user.Run();
  }
  if (run_command->parsed()) {
    return RunWorkRequest(run);
  }
  return kUsageError;
}

}  // namespace hub::cli
