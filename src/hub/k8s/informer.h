#pragma once

// List-then-watch of one collection, with client-go's Reflector rules: list and remember the
// list's resourceVersion; watch from it with bookmarks; a clean end of stream or a stream cut
// mid-event resumes the watch from the last resourceVersion seen (no relist); 410 Expired
// (HTTP or ERROR event) relists and turns the difference between the cache and the new list
// into synthetic events, so the handler never misses a change; other errors relist after a
// jittered backoff. The cache of current objects (by namespace/name) is kept for `Snapshot`.
//
// Thread-safety: `Start`/`Stop` from one thread; `Snapshot`, `relists` and `synced` from any.
// The handler runs on the informer's thread, one event at a time, without informer locks
// held.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"

#include "hub/k8s/kube_client.h"

namespace hub::k8s {

struct InformerOptions {
  // Collection path, e.g. "/api/v1/namespaces/eos-models/pods".
  std::string path;
  std::string label_selector;
  std::string field_selector;
  // Server-side end of each watch (`timeoutSeconds`); the watch then resumes.
  int watch_timeout_seconds = 300;
  std::chrono::milliseconds idle_timeout{360'000};
  std::chrono::milliseconds backoff_min{1'000};
  std::chrono::milliseconds backoff_max{30'000};
  // Items per list page (`limit`); 0 for unpaged.
  int page_size = 500;
};

class Informer final {
public:
  // Called with ADDED, MODIFIED or DELETED and the object (synthetic after a relist).
  using Handler = std::function<void(const WatchEvent&)>;

  // `client` must outlive the informer.
  Informer(KubeClient& client, InformerOptions options, Handler handler);
  ~Informer();

  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  // Starts the list-watch thread.
  void Start();

  // Stops the thread and joins it (within about a second). Idempotent.
  void Stop();

  // The objects as last seen.
  std::vector<nlohmann::json> Snapshot() const;

  // Lists done so far (1 after the first sync); for tests of the relist rules.
  int relists() const { return relists_.load(); }

  // True once the first list has been delivered.
  bool synced() const { return relists_.load() > 0; }

  // Waits up to `timeout` for the first list; false on timeout.
  bool WaitForSync(std::chrono::milliseconds timeout) const;

private:
  void Run();
  // After a failed list or watch: true when the next step is a relist (410, or any error
  // after a backoff), false when the watch resumes (a stream cut mid-event).
  bool RelistAfter(const absl::Status& status, bool listing, std::chrono::milliseconds& backoff);
  absl::Status ListAndReplace();
  absl::Status WatchFromLastVersion();
  void Apply(const WatchEvent& event);
  std::string Query(bool watch) const;
  void Backoff(std::chrono::milliseconds delay);

  KubeClient& client_;
  InformerOptions options_;
  Handler handler_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> relists_{0};
  std::string resource_version_;  // informer thread only

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::map<std::string, nlohmann::json> cache_ ABSL_GUARDED_BY(mu_);
};

// "namespace/name" of an object.
std::string ObjectKey(const nlohmann::json& object);

}  // namespace hub::k8s
