#include "hub/cli/model_server_command.h"

#include <csignal>
#include <cstdio>
#include <fstream>

#include "fmt/format.h"

#include "hub/api/model_server_api.h"
#include "hub/common/log.h"
#include "hub/common/strings.h"
#include "hub/http/server.h"
#include "hub/metrics/registry.h"
#include "hub/models/registry.h"

#include "CLI/CLI.hpp"

namespace hub::cli {

namespace {

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "ersilia-hub model-server: %s\n",
               common::ToString(status.message()).c_str());
  return 1;
}

absl::Status InitLogging(const ModelServerFlags& c) {
  auto format = log::ParseFormat(c.log_format);
  if (!format.ok()) {
    return format.status();
  }
  auto level = log::ParseLevel(c.log_level);
  if (!level.ok()) {
    return level.status();
  }
  log::Init(*format, *level);
  return absl::OkStatus();
}

absl::StatusOr<models::ModelPtr> LoadModel(const ModelServerFlags& c) {
  models::ResourceOptions options;
  options.rdkit_data_dir = c.rdkit_data_dir;
  auto resources = models::LoadModelResources(options, {c.model});
  if (!resources.ok()) {
    return resources.status();
  }
  return models::CreateModel(c.model, *resources);
}

}  // namespace

void AddModelServerFlags(CLI::App& command, ModelServerFlags& flags) {
  command.add_option("--model", flags.model, "model id, e.g. eos3b5e")->required();
  command.add_option("--port", flags.port, "port (0 picks a free one)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  command.add_option("--host", flags.host, "address to listen on")->capture_default_str();
  command.add_option("--threads", flags.threads, "threads computing molecules")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  command
      .add_option("--rdkit-data-dir", flags.rdkit_data_dir,
                  "RDKit data (SA and NP score tables, Debian package rdkit-data)")
      ->capture_default_str();
  command.add_option("--model-version", flags.model_version, "version reported by /models/status")
      ->capture_default_str();
  command.add_option("--port-file", flags.port_file, "write the bound port here once listening");
  command.add_option("--log-format", flags.log_format, "text or json")->capture_default_str();
  command.add_option("--log-level", flags.log_level, "debug, info, warn or error")
      ->capture_default_str();
}

int RunModelServer(const ModelServerFlags& flags, const sigset_t& signals) {
  absl::Status logging = InitLogging(flags);
  if (!logging.ok()) {
    return Fail(logging);
  }
  auto model = LoadModel(flags);
  if (!model.ok()) {
    return Fail(model.status());
  }
  api::ModelServerOptions options;
  options.compute_threads = static_cast<size_t>(flags.threads);
  options.model_version = flags.model_version;
  api::ModelServer model_server(std::move(*model), options);

  metrics::Registry metrics;
  http::Router router;
  model_server.AddRoutes(router, &metrics);
  http::ServerOptions http_options;
  http_options.host = flags.host;
  http_options.port = flags.port;
  http_options.io_threads = 1;
  http_options.worker_threads = static_cast<size_t>(std::max(8, flags.threads * 2));
  http_options.max_body_bytes = 256ull << 20;
  http_options.shutdown_grace = std::chrono::seconds(10);
  http::Server server(http_options, router, &metrics);
  absl::Status started = server.Start();
  if (!started.ok()) {
    return Fail(started);
  }
  HUB_LOG(info, "model server listening", {"model_id", flags.model}, {"port", server.port()},
          {"threads", flags.threads});
  if (!flags.port_file.empty()) {
    std::ofstream(flags.port_file + ".tmp") << server.port() << "\n";
    std::rename((flags.port_file + ".tmp").c_str(), flags.port_file.c_str());
  }

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  HUB_LOG(info, "model server stopping", {"model_id", flags.model});
  server.Stop();
  return 0;
}

}  // namespace hub::cli
