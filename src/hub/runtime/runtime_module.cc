#include "hub/runtime/runtime_module.h"

#include "hub/common/log.h"
#include "hub/common/status_macros.h"
#include "hub/runtime/builtin_records.h"

namespace hub::runtime {

RuntimeModule::RuntimeModule(store::Database& db,
                             const common::Clock& clock,
                             metrics::Registry* metrics,
                             RuntimeOptions options)
    : clock_(clock), options_(std::move(options)) {
  if (metrics != nullptr) {
    runtime_metrics_ = std::make_unique<RuntimeMetrics>(*metrics);
  }
  model_repository_ = std::make_unique<ModelRepository>(db);
  catalog_ =
      std::make_unique<UrlModelCatalog>(http_, clock_, options_.catalog_url, options_.catalog_ttl);
  model_service_ =
      std::make_unique<ModelService>(*model_repository_, clock_, catalog_.get(), options_.models);
  event_repository_ = std::make_unique<InstanceEventRepository>(db);
  metrics_repository_ = std::make_unique<InstanceMetricsRepository>(db);
  history_ = std::make_unique<InstanceHistory>(*event_repository_, *metrics_repository_);
  local_ = std::make_unique<LocalBackend>(http_, options_.local);
  url_ = std::make_unique<UrlBackend>(http_, options_.url);
  std::vector<InstanceBackend*> backends = {local_.get(), url_.get()};
  if (options_.k8s.enabled) {
    BuildKubernetes();
    backends.push_back(kubernetes_.get());
  }
  http::Client* http = &http_;
  PoolParts parts;
  parts.backends = std::move(backends);
  parts.client_factory = [http](const ModelEndpoint& endpoint) {
    return std::make_shared<HttpModelClient>(*http, endpoint);
  };
  parts.metrics = runtime_metrics_.get();
  pool_ = std::make_unique<InstancePool>(clock_, *model_service_, *history_, std::move(parts),
                                         options_.pool);
  sampler_ = std::make_unique<MetricsSampler>(clock_, *pool_, options_.sampler);
  history_->SetSampler(sampler_.get());
  recommendations_ = std::make_unique<RecommendationService>(
      clock_, *model_service_, *metrics_repository_, options_.recommendations);
  if (options_.k8s.enabled && options_.k8s.node_scaling) {
    k8s::NodeScalerOptions scaler = options_.k8s.scaler;
    scaler.replica_id = options_.pool.server_id;
    scaler.models_namespace = options_.k8s.backend.namespace_name;
    scaler.lease_namespace = options_.k8s.backend.namespace_name;
    scaler.pod_is_idle = [this](const std::string& pod) {
      return PodIsIdle(pod);
    };
    // Pods are named after their instances.
    scaler.retire_pods = [this](const std::vector<std::string>& pods) {
      return pool_->RetireIdle(pods);
    };
    scaler.restore_pods = [this](const std::vector<std::string>& pods) {
      pool_->RestoreRetired(pods);
    };
    node_scaler_ = std::make_unique<k8s::NodeScaler>(*kube_client_, clock_, std::move(scaler));
  }
}

void RuntimeModule::BuildKubernetes() {
  kube_client_ = std::make_unique<k8s::HttpKubeClient>(options_.k8s.client, clock_);
  kubernetes_ =
      std::make_unique<KubernetesBackend>(*kube_client_, http_, clock_, options_.k8s.backend);
  ReplicaLeaseOptions replicas = options_.k8s.replicas;
  replicas.server_id = options_.pool.server_id;
  replicas.namespace_name = options_.k8s.backend.namespace_name;
  replica_leases_ =
      std::make_unique<ReplicaLeases>(*kube_client_, clock_, *kubernetes_, std::move(replicas));
}

// A model pod of this replica that holds no lease. Pods of other replicas count as busy: only
// their owner knows, and a node is never removed under a busy instance.
bool RuntimeModule::PodIsIdle(const std::string& pod) const {
  auto snapshot = pool_->Find(pod);
  return snapshot.ok() && snapshot->state == InstanceState::kReady && snapshot->leases.empty();
}

RuntimeModule::~RuntimeModule() {
  Stop();
}

absl::Status RuntimeModule::Start() {
  std::vector<ModelRecord> builtins;
  if (options_.register_builtins) {
    HUB_ASSIGN_OR_RETURN(builtins, BuiltinModelRecords(clock_.NowMicros()));
    // Registered on this hub's default backend (pods with runtime.backend=kubernetes); an
    // existing record keeps the backend it has.
    for (ModelRecord& record : builtins) {
      record.details.backend = options_.pool.default_backend;
    }
  }
  HUB_RETURN_IF_ERROR(model_service_->Start(builtins));
  // The Lease first: a pod of this replica never exists without it (see replica_leases.h).
  if (replica_leases_ != nullptr) {
    replica_leases_->Start();
  }
  pool_->Start();
  if (node_scaler_ != nullptr) {
    node_scaler_->Start();
  }
  maintenance_ = std::thread([this] { MaintenanceLoop(); });
  PoolTotals totals = pool_->Totals();
  HUB_LOG(info, "runtime started",
          {"models", static_cast<std::int64_t>(model_service_->List().size())},
          {"max_instances", totals.max_instances}, {"memory_budget_mb", totals.memory_budget_mb},
          {"default_backend", options_.pool.default_backend});
  return absl::OkStatus();
}

void RuntimeModule::RunMaintenance() {
  pool_->Tick();
  sampler_->SampleIfDue();
  model_service_->RefreshIfDue();
  recommendations_->RefreshIfDue();
}

void RuntimeModule::MaintenanceLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    lock.unlock();
    RunMaintenance();
    lock.lock();
    cv_.wait_for(lock, options_.tick, [this] { return stopping_; });
  }
}

void RuntimeModule::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) {
      return;
    }
    stopped_ = true;
    stopping_ = true;
    cv_.notify_all();
  }
  if (node_scaler_ != nullptr) {
    node_scaler_->Stop();
  }
  if (replica_leases_ != nullptr) {
    replica_leases_->Stop();
  }
  if (maintenance_.joinable()) {
    maintenance_.join();
  }
  HUB_LOG(info, "stopping model instances", {"instances", pool_->Totals().instances});
  pool_->Shutdown(options_.stop_timeout);
  local_->Shutdown();
  url_->Shutdown();
  if (kubernetes_ != nullptr) {
    kubernetes_->Shutdown();
  }
  history_->Shutdown();
}

}  // namespace hub::runtime
