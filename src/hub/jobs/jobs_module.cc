#include "hub/jobs/jobs_module.h"

#include <thread>
#include <utility>

#include "hub/blob/local_blob_store.h"
#include "hub/common/log.h"
#include "hub/common/status_macros.h"

namespace hub::jobs {

class JobsModule::ModelCacheClearer final : public runtime::ModelResultCache {
public:
  explicit ModelCacheClearer(ResultCache& cache) : cache_(cache) {}

  absl::StatusOr<std::int64_t> ClearModel(std::string_view model_id) override {
    return cache_.ClearModel(std::string(model_id));
  }

private:
  ResultCache& cache_;
};

JobsModule::JobsModule(store::Database& db,
                       const common::Clock& clock,
                       runtime::RuntimeModule& runtime,
                       metrics::Registry* metrics,
                       std::string replica,
                       JobsOptions options)
    : db_(db),
      clock_(clock),
      runtime_(runtime),
      registry_(metrics),
      replica_(std::move(replica)),
      options_(std::move(options)) {}

JobsModule::~JobsModule() {
  if (started_) {
    StopWorkers(std::chrono::milliseconds(0));
    Join();
  }
  if (cache_clearer_) {
    runtime_.models().SetResultCache(nullptr);
  }
}

absl::Status JobsModule::Open() {
  HUB_ASSIGN_OR_RETURN(std::unique_ptr<blob::LocalBlobStore> blobs,
                       blob::LocalBlobStore::Open(options_.results_dir));
  blobs_ = std::move(blobs);
  if (registry_ != nullptr) {
    metrics_ = std::make_unique<JobsMetrics>(*registry_, db_);
  }
  requests_ = std::make_unique<RequestStore>(db_, clock_);
  queue_ = std::make_unique<ChunkQueue>(db_, clock_, replica_, options_.workers.lease_ttl);
  cache_ = std::make_unique<ResultCache>(db_, clock_);
  size_t threads = options_.validator_threads > 0
                       ? options_.validator_threads
                       : std::max<size_t>(1, std::thread::hardware_concurrency());
  validators_ = std::make_unique<common::ThreadPool>(threads, "validate");
  facts_ = std::make_unique<RegistryModelFacts>(runtime_.models());
  service_ =
      std::make_unique<WorkRequestService>(*requests_, *blobs_, *cache_, *facts_, *validators_,
                                           clock_, options_.service, metrics_.get());
  executor_ = std::make_unique<PoolExecutor>(runtime_.pool(), clock_);
  workers_ = std::make_unique<ChunkWorkers>(*queue_, *requests_, *blobs_, *cache_, *executor_,
                                            RowChecker{CheckSmilesRow, validators_.get()}, clock_,
                                            options_.workers, metrics_.get());
  service_->OnSubmitted([workers = workers_.get()] { workers->Wake(); });
  retention_ = std::make_unique<Retention>(*service_, db_, clock_, replica_, options_.retention);
  cache_clearer_ = std::make_unique<ModelCacheClearer>(*cache_);
  runtime_.models().SetResultCache(cache_clearer_.get());
  HUB_LOG(info, "work requests ready", {"results", blobs_->Describe()},
          {"workers", options_.run_workers ? options_.workers.threads : 0});
  return absl::OkStatus();
}

void JobsModule::Start() {
  if (!options_.run_workers || started_) {
    return;
  }
  workers_->Start();
  retention_->Start();
  started_ = true;
}

void JobsModule::StopWorkers(std::chrono::milliseconds grace) {
  if (started_) {
    workers_->Stop(grace);
  }
}

void JobsModule::Join() {
  if (!started_) {
    return;
  }
  workers_->Join();
  retention_->Stop();
  started_ = false;
}

absl::StatusOr<std::int64_t> JobsModule::ClearUserData(const std::string& user_id) {
  HUB_ASSIGN_OR_RETURN(std::vector<RequestStore::Expired> requests, requests_->FindByUser(user_id));
  return service_->DeleteRequests(requests);
}

absl::StatusOr<std::int64_t> JobsModule::ClearUserContributions(const std::string& user_id) {
  return cache_->ClearContributor(user_id);
}

}  // namespace hub::jobs
