#pragma once

// Everything the runtime is made of, built and wired in one place for the composition root:
// the model registry (repository, service, catalog), the backends (local processes, URL), the
// instance pool, the history recorder, the metrics sampler, the recommendations, and one
// maintenance thread that drives their periodic work (idle stops, sampling, registry refresh,
// recommendation refresh). With `k8s.enabled` also the Kubernetes client, the `kubernetes`
// backend, this replica's Lease (reclaiming the pods of dead replicas) and, with
// `k8s.node_scaling`, the node scaler.
//
// Order: construct, `Start` (registers built-in models, loads the registry, attaches the
// pool, starts the thread), serve, `Stop` (stops every instance, then the backends, then
// writes the remaining history). The work-request engine (issue 6) takes `pool()` and
// `models()`.
//
// Thread-safety: `Start` and `Stop` from one thread; the accessors' objects are thread-safe.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/status.h"

#include "hub/common/clock.h"
#include "hub/http/client.h"
#include "hub/k8s/http_kube_client.h"
#include "hub/k8s/node_scaler.h"
#include "hub/runtime/instance_event_repository.h"
#include "hub/runtime/instance_history.h"
#include "hub/runtime/instance_metrics_repository.h"
#include "hub/runtime/instance_pool.h"
#include "hub/runtime/kubernetes_backend.h"
#include "hub/runtime/local_backend.h"
#include "hub/runtime/metrics_sampler.h"
#include "hub/runtime/model_catalog.h"
#include "hub/runtime/model_repository.h"
#include "hub/runtime/model_service.h"
#include "hub/runtime/recommendation_service.h"
#include "hub/runtime/replica_leases.h"
#include "hub/runtime/runtime_metrics.h"
#include "hub/runtime/url_backend.h"
#include "hub/store/database.h"

namespace hub::metrics {
class Registry;
}  // namespace hub::metrics

namespace hub::runtime {

// The `kubernetes` backend and what comes with it (docs/decisions/kubernetes.md).
struct KubernetesRuntimeOptions {
  // Build the client, the backend and this replica's Lease. The composition root sets it when
  // `runtime.backend` is kubernetes or `k8s.enabled` is on.
  bool enabled = false;
  // Where the API is and how to authenticate (kubeconfig or in-cluster, already loaded).
  k8s::HttpKubeClientOptions client;
  KubernetesBackendOptions backend;
  // `server_id` and `namespace_name` are taken from the pool and the backend.
  ReplicaLeaseOptions replicas;
  // Run the hub's node scaler; `replica_id`, `models_namespace`, `lease_namespace`,
  // `pod_is_idle`, `retire_pods` and `restore_pods` are filled by the module.
  bool node_scaling = false;
  k8s::NodeScalerOptions scaler;
};

struct RuntimeOptions {
  PoolOptions pool;
  LocalBackendOptions local;
  UrlBackendOptions url;
  SamplerOptions sampler;
  ModelServiceOptions models;
  RecommendationOptions recommendations;
  KubernetesRuntimeOptions k8s;
  // The Ersilia catalog (http, https or file URL); empty: none.
  std::string catalog_url;
  std::chrono::milliseconds catalog_ttl{5 * 60 * 1000};
  // Register missing built-in models at start.
  bool register_builtins = true;
  // How often the maintenance thread wakes.
  std::chrono::milliseconds tick{250};
  // Time instances get to stop when the hub stops.
  std::chrono::milliseconds stop_timeout{10'000};
};

class RuntimeModule final {
public:
  // `db`, `clock` and `metrics` (may be null) must outlive the module.
  RuntimeModule(store::Database& db,
                const common::Clock& clock,
                metrics::Registry* metrics,
                RuntimeOptions options);
  ~RuntimeModule();

  RuntimeModule(const RuntimeModule&) = delete;
  RuntimeModule& operator=(const RuntimeModule&) = delete;

  // Registers the built-in models (when asked), loads the registry, renews this replica's
  // Lease (Kubernetes), attaches the pool to its backends (adopting this replica's pods),
  // starts the node scaler (when configured) and the maintenance thread. Database errors.
  [[nodiscard]] absl::Status Start();

  // Stops the node scaler, the replica Lease loop, the maintenance thread, every instance (waiting
  // up to `stop_timeout`), the backends (killing what is left) and the history writer. Idempotent.
  void Stop();

  ModelService& models() { return *model_service_; }

  InstancePool& pool() { return *pool_; }

  MetricsSampler& sampler() { return *sampler_; }

  RecommendationService& recommendations() { return *recommendations_; }

  InstanceEventRepository& events() { return *event_repository_; }

  InstanceMetricsRepository& instance_metrics() { return *metrics_repository_; }

  InstanceHistory& history() { return *history_; }

  LocalBackend& local_backend() { return *local_; }

  // The Kubernetes parts; null unless `k8s.enabled` (the scaler: unless `k8s.node_scaling`).
  KubernetesBackend* kubernetes_backend() { return kubernetes_.get(); }

  k8s::HttpKubeClient* kube_client() { return kube_client_.get(); }

  k8s::NodeScaler* node_scaler() { return node_scaler_.get(); }

  ReplicaLeases* replica_leases() { return replica_leases_.get(); }

  const RuntimeOptions& options() const { return options_; }

  // One round of the periodic work, on the calling thread (tests with a manual clock).
  void RunMaintenance();

private:
  void MaintenanceLoop();
  void BuildKubernetes();
  bool PodIsIdle(const std::string& pod) const;

  const common::Clock& clock_;
  const RuntimeOptions options_;
  http::Client http_;
  std::unique_ptr<RuntimeMetrics> runtime_metrics_;
  std::unique_ptr<ModelRepository> model_repository_;
  std::unique_ptr<UrlModelCatalog> catalog_;
  std::unique_ptr<ModelService> model_service_;
  std::unique_ptr<InstanceEventRepository> event_repository_;
  std::unique_ptr<InstanceMetricsRepository> metrics_repository_;
  std::unique_ptr<InstanceHistory> history_;
  std::unique_ptr<LocalBackend> local_;
  std::unique_ptr<UrlBackend> url_;
  std::unique_ptr<k8s::HttpKubeClient> kube_client_;
  std::unique_ptr<KubernetesBackend> kubernetes_;
  std::unique_ptr<ReplicaLeases> replica_leases_;
  std::unique_ptr<InstancePool> pool_;
  std::unique_ptr<MetricsSampler> sampler_;
  std::unique_ptr<RecommendationService> recommendations_;
  std::unique_ptr<k8s::NodeScaler> node_scaler_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool stopped_ = false;
  std::thread maintenance_;
};

}  // namespace hub::runtime
