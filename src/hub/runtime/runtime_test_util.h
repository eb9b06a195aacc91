#pragma once

// Fakes for the runtime's unit tests: a backend the test drives by hand, a scripted model
// client, a model registry in memory and an event sink that keeps what it gets.

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

#include "hub/runtime/instance.h"
#include "hub/runtime/instance_backend.h"
#include "hub/runtime/model_client.h"
#include "hub/runtime/model_lookup.h"

namespace hub::runtime::testing {

// Spins (yielding, never sleeping) until `done` holds; fails the test after 10 s.
inline void WaitUntil(const std::function<bool()>& done) {
  auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done()) {
    if (std::chrono::steady_clock::now() > give_up) {
      ADD_FAILURE() << "condition not reached in 10 s";
      return;
    }
    std::this_thread::yield();
  }
}

class FakeBackend final : public InstanceBackend {
public:
  explicit FakeBackend(std::string name = "local") : name_(std::move(name)) {}

  std::string_view name() const override { return name_; }

  void SetObserver(Observer* observer) override { observer_ = observer; }

  absl::Status Start(const InstanceSpec& spec) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!start_error.ok()) {
      return start_error;
    }
    started_.push_back(spec);
    cv_.notify_all();
    return absl::OkStatus();
  }

  void Stop(const std::string& instance_id, std::chrono::milliseconds grace) override {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_.push_back(instance_id);
    last_grace_ = grace;
  }

  absl::StatusOr<std::vector<InstanceObservation>> ListOwned(const std::string& owner) override {
    owner_asked = owner;
    return owned;
  }

  absl::StatusOr<ResourceUsage> Usage(const std::string& instance_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = usage.find(instance_id);
    if (it == usage.end()) {
      return absl::NotFoundError("no usage");
    }
    return it->second;
  }

  absl::StatusOr<std::vector<std::string>> Logs(const std::string&, const LogQuery&) override {
    return absl::NotFoundError("no logs");
  }

  void Shutdown() override {}

  // The id of the `n`-th start (1-based), waiting for it.
  std::string WaitForStart(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    bool got = cv_.wait_for(lock, std::chrono::seconds(10), [&] { return started_.size() >= n; });
    EXPECT_TRUE(got) << "start " << n << " never came";
    return got ? started_[n - 1].instance_id : "";
  }

  // Reports `id` ready; `details` as a backend would add them (`{"node": ...}`).
  void Ready(const std::string& id,
             const std::string& model_id,
             nlohmann::json details = nlohmann::json::object()) {
    InstanceObservation obs;
    obs.instance_id = id;
    obs.model_id = model_id;
    obs.phase = InstancePhase::kReady;
    obs.base_url = "http://fake/" + id;
    obs.details = std::move(details);
    observer_->OnObservation(obs);
  }

  void Exit(const std::string& id,
            const std::string& model_id,
            ExitCause cause,
            std::string message = "",
            bool permanent = false) {
    InstanceObservation obs;
    obs.instance_id = id;
    obs.model_id = model_id;
    obs.phase = InstancePhase::kExited;
    obs.cause = cause;
    obs.message = std::move(message);
    obs.permanent = permanent;
    observer_->OnObservation(obs);
  }

  std::vector<InstanceSpec> started() {
    std::lock_guard<std::mutex> lock(mu_);
    return started_;
  }

  std::vector<std::string> stopped() {
    std::lock_guard<std::mutex> lock(mu_);
    return stopped_;
  }

  std::chrono::milliseconds last_grace() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_grace_;
  }

  absl::Status start_error;
  std::vector<InstanceObservation> owned;
  std::string owner_asked;
  std::map<std::string, ResourceUsage> usage;

private:
  std::string name_;
  Observer* observer_ = nullptr;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<InstanceSpec> started_;
  std::vector<std::string> stopped_;
  std::chrono::milliseconds last_grace_{-1};
};

// Answers every Run with the status last given to `Fail` (OK: one `{}` row per input).
class FakeModelClient final : public ModelClient {
public:
  absl::StatusOr<RunResult> Run(const std::vector<std::string>& inputs,
                                const RunOptions&) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++calls;
    if (!next_.ok()) {
      return next_;
    }
    std::string body = "[";
    for (size_t i = 0; i < inputs.size(); ++i) {
      body += i == 0 ? "{}" : ",{}";
    }
    return RunResult::Parse(body + "]", inputs.size(), false);
  }

  absl::Status CheckHealth(std::chrono::milliseconds) override { return absl::OkStatus(); }

  void Fail(absl::Status status) {
    std::lock_guard<std::mutex> lock(mu_);
    next_ = std::move(status);
  }

  int calls = 0;

private:
  std::mutex mu_;
  absl::Status next_;
};

class FakeModels final : public ModelLookup {
public:
  absl::StatusOr<ModelRecord> FindModel(std::string_view id) const override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = models_.find(std::string(id));
    if (it == models_.end()) {
      return absl::NotFoundError("unknown model");
    }
    return it->second;
  }

  ModelRecord& Put(ModelRecord record) {
    std::lock_guard<std::mutex> lock(mu_);
    return models_[record.id] = std::move(record);
  }

  // A model whose instances use the `local` (fake) backend.
  ModelRecord& Add(const std::string& id, int max_instances = -1, std::int64_t memory_mb = 100) {
    ModelRecord record;
    record.id = id;
    record.last_updated = 1;
    record.details.backend = "local";
    record.details.max_instances = max_instances;
    record.details.resources.memory_request = memory_mb;
    record.details.resources.memory_limit = memory_mb;
    return Put(record);
  }

  void Touch(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu_);
    models_[id].last_updated += 1;
  }

private:
  mutable std::mutex mu_;
  std::map<std::string, ModelRecord> models_;
};

class RecordingSink final : public InstanceEventSink {
public:
  void Record(InstanceEvent event) override {
    std::lock_guard<std::mutex> lock(mu_);
    events_.push_back(std::move(event));
  }

  std::vector<InstanceEvent> events() {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }

  // Names of the events of `instance_id`, in order.
  std::vector<std::string> KindsOf(const std::string& instance_id) {
    std::vector<std::string> kinds;
    for (const InstanceEvent& e : events()) {
      if (e.instance_id == instance_id) {
        kinds.emplace_back(InstanceEventKindName(e.kind));
      }
    }
    return kinds;
  }

  int Count(InstanceEventKind kind) {
    int n = 0;
    for (const InstanceEvent& e : events()) {
      n += e.kind == kind ? 1 : 0;
    }
    return n;
  }

private:
  std::mutex mu_;
  std::vector<InstanceEvent> events_;
};

}  // namespace hub::runtime::testing
