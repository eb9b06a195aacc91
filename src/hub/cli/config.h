#pragma once

#include <string>
#include <vector>

#include "hub/api/work_requests_api.h"
#include "hub/auth/auth_options.h"
#include "hub/common/log.h"
#include "hub/common/settings.h"
#include "hub/http/server.h"
#include "hub/jobs/jobs_module.h"
#include "hub/runtime/runtime_module.h"

namespace hub::cli {

// Database connection settings. The backend is SQLite (a file under the data directory)
// unless a PostgreSQL URL or host is configured.
struct DatabaseConfig {
  std::string backend;      // "sqlite" or "postgres"; empty = decide from the other values
  std::string sqlite_path;  // default <data_dir>/hub.db
  std::string postgres_url;
  std::string host;
  int port = 5432;
  std::string name;
  std::string user;
  std::string password;
  std::string schema = "hub";
  int pool_size = 10;
  std::chrono::milliseconds busy_timeout{5000};
  bool migrate_on_start = true;
};

struct LogConfig {
  log::Format format = log::Format::kText;
  log::Level level = log::Level::kInfo;
  std::string file;
};

// Where the Kubernetes API is (the rest of `k8s.*` goes into `RuntimeOptions::k8s`).
struct K8sConfig {
  // Run the `kubernetes` backend although `runtime.backend` is another one (for models whose
  // record names it).
  bool enabled = false;
  // A kubeconfig file (its current context); empty: in-cluster (service account).
  std::string kubeconfig;
  // A bearer token used instead of the kubeconfig's or the service account's.
  std::string token;
  // A cluster-autoscaler or Karpenter adds nodes (pods wait out Unschedulable).
  bool cluster_autoscaler = false;
};

// Every setting of `ersilia-hub serve`, after defaults, config file, environment and flags.
struct HubConfig {
  std::string data_dir = "./var";
  std::string web_dir;  // built UI (web/dist); empty = next to the binary's source tree
  LogConfig log;
  http::ServerOptions http;
  DatabaseConfig database;
  auth::AuthOptions auth;
  // Model registry and instances. `Finalize` fills the instance log directory, the server id
  // and the memory budget.
  runtime::RuntimeOptions runtime;
  // `runtime.memory_budget` as given: "auto" (75% of the machine's memory), "0" (none) or a
  // size.
  std::string memory_budget = "auto";
  // `models.public_catalog`: model list and get need no login.
  bool public_model_catalog = false;
  // Work requests: queue, workers, intake limits and retention. `Finalize` fills the
  // results directory.
  jobs::JobsOptions jobs;
  api::WorkRequestsApiOptions work_requests;
  // `k8s.*`. `Finalize` loads the kubeconfig (or the in-cluster files) into
  // `runtime.k8s.client` when the kubernetes backend is on.
  K8sConfig k8s;
};

// Declares every setting, bound to the fields of `config`. `config` must outlive `settings`.
void DefineSettings(common::Settings& settings, HubConfig& config);

// Fills values that depend on others (paths under the data directory, the database
// backend). Returns InvalidArgument when the combination is inconsistent.
absl::Status Finalize(HubConfig& config);

}  // namespace hub::cli
