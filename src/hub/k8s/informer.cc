#include "hub/k8s/informer.h"

#include <algorithm>
#include <random>
#include <set>
#include <utility>

#include "fmt/format.h"

#include "hub/common/log.h"

namespace hub::k8s {

std::string ObjectKey(const nlohmann::json& object) {
  const nlohmann::json& meta = object.contains("metadata") ? object["metadata"] : object;
  return fmt::format("{}/{}", meta.value("namespace", ""), meta.value("name", ""));
}

Informer::Informer(KubeClient& client, InformerOptions options, Handler handler)
    : client_(client), options_(std::move(options)), handler_(std::move(handler)) {}

Informer::~Informer() {
  Stop();
}

void Informer::Start() {
  thread_ = std::thread([this] { Run(); });
}

void Informer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

std::vector<nlohmann::json> Informer::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<nlohmann::json> out;
  out.reserve(cache_.size());
  for (const auto& [key, object] : cache_) {
    out.push_back(object);
  }
  return out;
}

bool Informer::WaitForSync(std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [this] { return relists_.load() > 0; });
}

std::string Informer::Query(bool watch) const {
  std::string query;
  auto add = [&query](std::string_view key, const std::string& value) {
    query += fmt::format("{}{}={}", query.empty() ? "?" : "&", key, QueryEscape(value));
  };
  if (!options_.label_selector.empty()) {
    add("labelSelector", options_.label_selector);
  }
  if (!options_.field_selector.empty()) {
    add("fieldSelector", options_.field_selector);
  }
  if (watch) {
    add("resourceVersion", resource_version_);
    add("allowWatchBookmarks", "true");
    add("timeoutSeconds", std::to_string(options_.watch_timeout_seconds));
  }
  return query;
}

void Informer::Backoff(std::chrono::milliseconds delay) {
  static thread_local std::mt19937 random(std::random_device{}());
  auto jitter = std::uniform_int_distribution<std::int64_t>(0, delay.count() / 2)(random);
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, delay + std::chrono::milliseconds(jitter), [this] { return stop_.load(); });
}

void Informer::Run() {
  std::chrono::milliseconds backoff = options_.backoff_min;
  bool need_list = true;
  while (!stop_) {
    absl::Status status = need_list ? ListAndReplace() : WatchFromLastVersion();
    if (stop_) {
      return;
    }
    if (status.ok()) {
      // A list is followed by a watch; a watch that ended cleanly resumes.
      need_list = false;
      backoff = options_.backoff_min;
      continue;
    }
    need_list = RelistAfter(status, need_list, backoff);
  }
}

bool Informer::RelistAfter(const absl::Status& status,
                           bool listing,
                           std::chrono::milliseconds& backoff) {
  if (IsExpired(status)) {
    HUB_LOG(info, "watch expired; relisting", {"path", options_.path});
    return true;
  }
  bool cut = !listing && status.code() == absl::StatusCode::kUnavailable &&
             status.message() == "watch stream cut mid-event";
  if (cut) {
    return false;
  }
  if (log::Every(fmt::format("k8s.informer.{}", options_.path), 30'000)) {
    HUB_LOG(warn, "list/watch failed; retrying", {"path", options_.path},
            {"error", status.ToString()});
  }
  Backoff(backoff);
  backoff = std::min(options_.backoff_max, backoff * 2);
  return true;
}

absl::Status Informer::ListAndReplace() {
  // Pages share the list's resourceVersion; an expired continue token restarts the list.
  std::vector<nlohmann::json> items;
  std::string next;
  std::string version;
  do {
    std::string query = Query(false);
    if (options_.page_size > 0) {
      query += fmt::format("{}limit={}", query.empty() ? "?" : "&", options_.page_size);
    }
    if (!next.empty()) {
      query += fmt::format("&continue={}", QueryEscape(next));
    }
    KubeRequest request;
    request.path = options_.path + query;
    auto page = client_.Call(request);
    if (!page.ok()) {
      return page.status();
    }
    if (!page->is_object() || !page->contains("items") || !(*page)["items"].is_array()) {
      return absl::DataLossError(fmt::format("{} answered with no items list", options_.path));
    }
    for (auto& item : (*page)["items"]) {
      items.push_back(std::move(item));
    }
    const nlohmann::json meta = page->value("metadata", nlohmann::json::object());
    version = meta.value("resourceVersion", "");
    next = meta.value("continue", "");
  } while (!next.empty());

  // Diff the new state against the cache, so the handler hears of every change.
  std::vector<WatchEvent> events;
  std::set<std::string> seen;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::map<std::string, nlohmann::json> fresh;
    for (auto& item : items) {
      std::string key = ObjectKey(item);
      seen.insert(key);
      auto old = cache_.find(key);
      if (old == cache_.end()) {
        events.push_back({"ADDED", item});
      } else if (old->second != item) {
        events.push_back({"MODIFIED", item});
      }
      fresh[key] = std::move(item);
    }
    for (const auto& [key, object] : cache_) {
      if (seen.count(key) == 0) {
        events.push_back({"DELETED", object});
      }
    }
    cache_ = std::move(fresh);
  }
  resource_version_ = version;
  for (const auto& event : events) {
    handler_(event);
  }
  ++relists_;
  cv_.notify_all();
  return absl::OkStatus();
}

void Informer::Apply(const WatchEvent& event) {
  const nlohmann::json& meta = event.object.value("metadata", nlohmann::json::object());
  std::string version = meta.value("resourceVersion", "");
  if (!version.empty()) {
    resource_version_ = version;
  }
  if (event.type == "BOOKMARK") {
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (event.type == "DELETED") {
      cache_.erase(ObjectKey(event.object));
    } else {
      cache_[ObjectKey(event.object)] = event.object;
    }
  }
  handler_(event);
}

absl::Status Informer::WatchFromLastVersion() {
  WatchOptions watch;
  watch.path = options_.path + Query(true);
  watch.idle_timeout = options_.idle_timeout;
  watch.cancel = &stop_;
  return client_.Watch(watch, [this](WatchEvent&& event) {
    Apply(event);
    return !stop_.load();
  });
}

}  // namespace hub::k8s
