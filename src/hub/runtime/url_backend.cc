#include "hub/runtime/url_backend.h"

#include <exception>
#include <thread>

#include "fmt/format.h"

#include "hub/common/log.h"
#include "hub/common/strings.h"

namespace hub::runtime {
namespace {

using Steady = std::chrono::steady_clock;

std::string WithoutTrailingSlash(std::string url) {
  while (!url.empty() && url.back() == '/') {
    url.pop_back();
  }
  return url;
}

}  // namespace

UrlBackend::UrlBackend(http::Client& client, UrlBackendOptions options)
    : client_(client), options_(options), probes_(4, "url-probe") {}

UrlBackend::~UrlBackend() {
  // Shutdown reports every release to the observer, and building or handling a report may
  // throw (nlohmann::json, the observer's own code); a destructor must not, so the remaining
  // releases go unreported.
  try {
    Shutdown();
  } catch (const std::exception& e) {
    HUB_LOG(error, "url backend: shutdown failed; releases left unreported", {"error", e.what()});
  }
}

void UrlBackend::SetObserver(Observer* observer) {
  std::lock_guard<std::mutex> lock(mu_);
  observer_ = observer;
}

absl::Status UrlBackend::Start(const InstanceSpec& spec) {
  const std::string& url = spec.details.url;
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    return absl::FailedPreconditionError(fmt::format(
        "model {} uses the url backend but has no http(s) url in its details", spec.model_id));
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) {
      return absl::UnavailableError("the url backend is shut down");
    }
    slots_[spec.instance_id] = Slot{spec, WithoutTrailingSlash(url), false};
  }
  probes_.Submit([this, id = spec.instance_id] { Probe(id); });
  return absl::OkStatus();
}

void UrlBackend::Probe(const std::string& instance_id) {
  Steady::time_point deadline = Steady::now() + options_.ready_timeout;
  std::string last_error = "no answer yet";
  while (true) {
    std::string base_url;
    std::string model_id;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = slots_.find(instance_id);
      if (it == slots_.end() || stopping_) {
        return;
      }
      base_url = it->second.base_url;
      model_id = it->second.spec.model_id;
    }
    auto health = client_.Get(base_url + "/healthz", std::chrono::milliseconds(2000));
    InstanceObservation obs;
    obs.instance_id = instance_id;
    obs.model_id = model_id;
    obs.details = {{"url", base_url}};
    if (health.ok() && health->status >= 200 && health->status < 300) {
      if (!MarkReady(instance_id)) {
        return;
      }
      obs.phase = InstancePhase::kReady;
      obs.base_url = base_url;
      Report(obs);
      return;
    }
    last_error = health.ok() ? fmt::format("/healthz answered {}", health->status)
                             : common::ToString(health.status().message());
    if (Steady::now() >= deadline) {
      if (!Forget(instance_id)) {
        return;
      }
      obs.phase = InstancePhase::kExited;
      obs.cause = ExitCause::kStartFailed;
      obs.message = fmt::format("{} did not become ready: {}", base_url, last_error);
      Report(obs);
      return;
    }
    std::this_thread::sleep_for(options_.probe_interval);
  }
}

bool UrlBackend::MarkReady(const std::string& instance_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = slots_.find(instance_id);
  if (it == slots_.end()) {
    return false;
  }
  it->second.ready = true;
  return true;
}

bool UrlBackend::Forget(const std::string& instance_id) {
  std::lock_guard<std::mutex> lock(mu_);
  return slots_.erase(instance_id) > 0;
}

void UrlBackend::Report(const InstanceObservation& observation) {
  Observer* observer = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    observer = observer_;
  }
  if (observer != nullptr) {
    observer->OnObservation(observation);
  }
}

void UrlBackend::Stop(const std::string& instance_id, std::chrono::milliseconds) {
  InstanceObservation obs;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = slots_.find(instance_id);
    if (it == slots_.end()) {
      return;
    }
    obs.instance_id = instance_id;
    obs.model_id = it->second.spec.model_id;
    obs.details = {{"url", it->second.base_url}};
    slots_.erase(it);
  }
  obs.phase = InstancePhase::kExited;
  obs.cause = ExitCause::kStopped;
  obs.message = "released (the server at the URL keeps running)";
  Report(obs);
}

absl::StatusOr<std::vector<InstanceObservation>> UrlBackend::ListOwned(const std::string&) {
  return std::vector<InstanceObservation>();
}

absl::StatusOr<ResourceUsage> UrlBackend::Usage(const std::string&) {
  return absl::UnimplementedError("the url backend cannot measure a server it does not run");
}

absl::StatusOr<std::vector<std::string>> UrlBackend::Logs(const std::string& instance_id,
                                                          const LogQuery&) {
  return absl::NotFoundError(
      fmt::format("instance {} is served at a URL; its logs are kept by that server", instance_id));
}

void UrlBackend::Shutdown() {
  std::vector<std::string> ids;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) {
      return;
    }
    for (const auto& [id, slot] : slots_) {
      ids.push_back(id);
    }
  }
  for (const std::string& id : ids) {
    Stop(id, std::chrono::milliseconds(0));
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  probes_.Shutdown();
}

}  // namespace hub::runtime
