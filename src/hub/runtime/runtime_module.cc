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
  http::Client* http = &http_;
  pool_ = std::make_unique<InstancePool>(
      clock_, *model_service_, std::vector<InstanceBackend*>{local_.get(), url_.get()}, *history_,
      [http](const ModelEndpoint& endpoint) {
        return std::make_shared<HttpModelClient>(*http, endpoint);
      },
      options_.pool, runtime_metrics_.get());
  sampler_ = std::make_unique<MetricsSampler>(clock_, *pool_, options_.sampler);
  history_->SetSampler(sampler_.get());
  recommendations_ = std::make_unique<RecommendationService>(
      clock_, *model_service_, *metrics_repository_, options_.recommendations);
}

RuntimeModule::~RuntimeModule() {
  Stop();
}

absl::Status RuntimeModule::Start() {
  std::vector<ModelRecord> builtins;
  if (options_.register_builtins) {
    HUB_ASSIGN_OR_RETURN(builtins, BuiltinModelRecords(clock_.NowMicros()));
  }
  HUB_RETURN_IF_ERROR(model_service_->Start(builtins));
  pool_->Start();
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
  if (maintenance_.joinable()) {
    maintenance_.join();
  }
  HUB_LOG(info, "stopping model instances", {"instances", pool_->Totals().instances});
  pool_->Shutdown(options_.stop_timeout);
  local_->Shutdown();
  url_->Shutdown();
  history_->Shutdown();
}

}  // namespace hub::runtime
