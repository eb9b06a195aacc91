#pragma once

// Instances as local processes: `ersilia-hub model-server --model ID --port 0 --port-file F`
// on the loopback interface, one process per instance, for the built-in models.
//
// Start spawns the process (its stdout and stderr go to `<log_dir>/<instance_id>.log`, which
// the logs API reads, also after the instance ended) and returns; a readiness task waits for
// the port file and then for `GET /healthz` to answer 2xx, and reports kReady. A monitor
// thread polls every child's pidfd, so an exit — `kill -9` included — is reported within
// milliseconds: kStartFailed before readiness (with the last lines of the log as the
// message), kCrashed after, kStopped when it was asked to stop. Stop sends SIGTERM and, past
// the grace period, SIGKILL. Usage comes from /proc.
//
// Processes are spawned by the monitor thread with PR_SET_PDEATHSIG, so they die with the
// hub; there is nothing to adopt after a restart (`ListOwned` is empty).
//
// Thread-safety: thread-safe, as `InstanceBackend` requires.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"

#include "hub/common/thread_pool.h"
#include "hub/http/client.h"
#include "hub/runtime/instance_backend.h"

namespace hub::runtime {

struct LocalBackendOptions {
  // The `ersilia-hub` binary; empty: this process's own (/proc/self/exe).
  std::string binary;
  // Where instance logs and port files go; created when missing.
  std::string log_dir = "./var/instances";
  // Passed to every model server as --rdkit-data-dir.
  std::string rdkit_data_dir = "/usr/share/RDKit";
  std::string host = "127.0.0.1";
  std::string log_level = "info";
  // A process not ready this long after its start is killed (kStartFailed).
  std::chrono::milliseconds ready_timeout{60'000};
  // Arguments appended to every model-server command line (tests, debugging).
  std::vector<std::string> extra_args;
  // Log files kept in `log_dir`; the oldest are deleted beyond this.
  int max_log_files = 500;
};

class LocalBackend final : public InstanceBackend {
public:
  // `client` (for /healthz) must outlive the backend. Starts the monitor thread.
  LocalBackend(http::Client& client, LocalBackendOptions options);
  ~LocalBackend() override;

  LocalBackend(const LocalBackend&) = delete;
  LocalBackend& operator=(const LocalBackend&) = delete;

  std::string_view name() const override { return "local"; }

  void SetObserver(Observer* observer) override;

  // `kFailedPrecondition` for a model that is not built in (the message lists the built-in
  // ones and suggests the `url` backend); `kUnavailable` when the process cannot be spawned
  // or the backend is shut down.
  absl::Status Start(const InstanceSpec& spec) override;
  void Stop(const std::string& instance_id, std::chrono::milliseconds grace) override;
  absl::StatusOr<std::vector<InstanceObservation>> ListOwned(const std::string& owner) override;
  absl::StatusOr<ResourceUsage> Usage(const std::string& instance_id) override;
  absl::StatusOr<std::vector<std::string>> Logs(const std::string& instance_id,
                                                const LogQuery& query) override;
  void Shutdown() override;

  // The process id of a live instance (tests use it to kill one); -1 when unknown.
  int PidForTest(const std::string& instance_id);

  // The model-server command line of `spec`, as `Start` runs it.
  std::vector<std::string> CommandLine(const InstanceSpec& spec) const;

private:
  struct Process;
  struct SpawnRequest;

  // What the monitor thread waits on next: the pidfds of the children that have one, and a
  // timeout that wakes it for the others and for the next kill deadline.
  struct PollPlan {
    std::vector<int> pidfds;
    int timeout_ms = 0;
  };

  void MonitorLoop();
  // nullopt once the backend is shut down with no child and no spawn left.
  std::optional<PollPlan> NextPoll();
  void SpawnPending();
  void SpawnOne(SpawnRequest& request);
  void ReapAndSignal(std::vector<InstanceObservation>& out);
  void WaitReady(const std::shared_ptr<Process>& process);
  // Whether `process` is still the wanted instance of its id.
  bool IsCurrent(const std::shared_ptr<Process>& process);
  // Marks `process` ready at `base_url` and reports it, unless it was stopped meanwhile.
  void ReportReady(const std::shared_ptr<Process>& process, int port, const std::string& base_url);
  void Wake() const;
  void Report(const std::vector<InstanceObservation>& observations);
  void PruneLogs();
  std::string LogPath(const std::string& instance_id) const;
  std::string PortFile(const std::string& instance_id) const;

  http::Client& client_;
  const LocalBackendOptions options_;
  std::string binary_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::shared_ptr<Process>> processes_ ABSL_GUARDED_BY(mu_);
  std::deque<std::shared_ptr<SpawnRequest>> spawns_ ABSL_GUARDED_BY(mu_);
  Observer* observer_ ABSL_GUARDED_BY(mu_) = nullptr;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int spawned_ ABSL_GUARDED_BY(mu_) = 0;
  int wake_fd_ = -1;
  common::ThreadPool readiness_;
  std::thread monitor_;
};

}  // namespace hub::runtime
