#pragma once

// Instances of a model that is already served at a URL: `ersilia serve <id>`, an
// `ersiliaos/<id>` container run by hand, another machine. The hub never starts or stops that
// server. "Starting" an instance waits for `GET <url>/healthz` to answer 2xx; each instance of
// the pool is one concurrent caller slot on that server; "stopping" forgets it.
//
// Thread-safety: thread-safe, as `InstanceBackend` requires.

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "absl/base/thread_annotations.h"

#include "hub/common/thread_pool.h"
#include "hub/http/client.h"
#include "hub/runtime/instance_backend.h"

namespace hub::runtime {

struct UrlBackendOptions {
  // Give up on a server whose /healthz does not answer 2xx this long after the start.
  std::chrono::milliseconds ready_timeout{60'000};
  // Pause between /healthz probes.
  std::chrono::milliseconds probe_interval{250};
};

class UrlBackend final : public InstanceBackend {
public:
  // `client` must outlive the backend.
  UrlBackend(http::Client& client, UrlBackendOptions options);
  ~UrlBackend() override;

  UrlBackend(const UrlBackend&) = delete;
  UrlBackend& operator=(const UrlBackend&) = delete;

  std::string_view name() const override { return "url"; }

  void SetObserver(Observer* observer) override;

  // `kFailedPrecondition` when the model has no http(s) `url`.
  absl::Status Start(const InstanceSpec& spec) override;
  void Stop(const std::string& instance_id, std::chrono::milliseconds grace) override;
  absl::StatusOr<std::vector<InstanceObservation>> ListOwned(const std::string& owner) override;
  // `kUnimplemented`: the server's resources are not the hub's to see.
  absl::StatusOr<ResourceUsage> Usage(const std::string& instance_id) override;
  // `kNotFound`: the server keeps its own logs.
  absl::StatusOr<std::vector<std::string>> Logs(const std::string& instance_id,
                                                const LogQuery& query) override;
  void Shutdown() override;

private:
  struct Slot {
    InstanceSpec spec;
    std::string base_url;
    bool ready = false;
  };

  void Probe(const std::string& instance_id);
  // Marks the slot ready; false when it was released meanwhile.
  bool MarkReady(const std::string& instance_id);
  // Drops the slot; false when it was released meanwhile.
  bool Forget(const std::string& instance_id);
  void Report(const InstanceObservation& observation);

  http::Client& client_;
  const UrlBackendOptions options_;
  std::mutex mu_;
  std::map<std::string, Slot> slots_ ABSL_GUARDED_BY(mu_);
  Observer* observer_ ABSL_GUARDED_BY(mu_) = nullptr;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  common::ThreadPool probes_;
};

}  // namespace hub::runtime
