#include "hub/runtime/replica_leases.h"

#include <cstdint>
#include <utility>

#include "fmt/format.h"

#include "hub/common/log.h"
#include "hub/common/status_macros.h"
#include "hub/common/time_format.h"
#include "hub/k8s/kube_api.h"

namespace hub::runtime {
namespace {

using Json = nlohmann::json;

constexpr char kReplicaSelector[] = "app.kubernetes.io/component=hub-replica";

std::string LeasesPath(const std::string& ns) {
  return fmt::format("/apis/coordination.k8s.io/v1/namespaces/{}/leases", ns);
}

// FNV-1a: stable across builds and processes, unlike std::hash.
std::uint32_t Fnv1a(const std::string& text) {
  std::uint32_t hash = 2166136261U;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 16777619U;
  }
  return hash;
}

// When `lease` stops being live, on the holder's clock; 0 when it carries no renew time.
common::Micros ExpiresAt(const Json& lease) {
  Json spec = lease.value("spec", Json::object());
  auto renewed = common::ParseTimestamp(spec.value("renewTime", ""));
  if (!renewed.ok()) {
    return 0;
  }
  std::int64_t seconds = spec.value("leaseDurationSeconds", std::int64_t{0});
  return *renewed + seconds * common::kMicrosPerSecond;
}

}  // namespace

ReplicaLeases::ReplicaLeases(k8s::KubeClient& client,
                             const common::Clock& clock,
                             KubernetesBackend& backend,
                             ReplicaLeaseOptions options)
    : client_(client),
      clock_(clock),
      backend_(backend),
      options_(std::move(options)),
      lease_path_(LeasesPath(options_.namespace_name) + "/" + LeaseNameFor(options_.server_id)) {}

ReplicaLeases::~ReplicaLeases() {
  Stop();
}

std::string ReplicaLeases::LeaseNameFor(const std::string& server_id) {
  std::string name;
  for (char c : server_id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
      ok = true;
    }
    name.push_back(ok ? c : '-');
    if (name.size() == 32) {
      break;
    }
  }
  return fmt::format("ersilia-hub-replica-{}-{:08x}", name, Fnv1a(server_id));
}

absl::Status ReplicaLeases::Renew() {
  std::string now = common::FormatTimestamp(clock_.NowMicros());
  Json spec = {{"holderIdentity", options_.server_id},
               {"leaseDurationSeconds", options_.lease_duration.count()},
               {"renewTime", now}};
  k8s::KubeRequest get;
  get.path = lease_path_;
  auto lease = client_.Call(get);
  if (!lease.ok() && lease.status().code() == absl::StatusCode::kNotFound) {
    spec["acquireTime"] = now;
    std::string name = lease_path_.substr(lease_path_.rfind('/') + 1);
    Json created = {
        {"apiVersion", "coordination.k8s.io/v1"},
        {"kind", "Lease"},
        {"metadata",
         {{"name", name}, {"labels", {{"app.kubernetes.io/component", "hub-replica"}}}}},
        {"spec", spec}};
    return client_
        .Call(k8s::MakeRequest(http::Method::kPost, LeasesPath(options_.namespace_name),
                               created.dump()))
        .status();
  }
  HUB_RETURN_IF_ERROR(lease.status());
  (*lease)["spec"] = spec;
  // Only this replica writes its Lease; a 409 means a stale read, retried next pass.
  return client_.Call(k8s::MakeRequest(http::Method::kPut, lease_path_, lease->dump())).status();
}

absl::StatusOr<std::set<std::string>> ReplicaLeases::LiveReplicas() {
  HUB_ASSIGN_OR_RETURN(
      k8s::ObjectList leases,
      k8s::ListObjects(client_, LeasesPath(options_.namespace_name), kReplicaSelector));
  std::set<std::string> live = {options_.server_id};
  common::Micros now = clock_.NowMicros();
  for (const Json& lease : leases.items) {
    std::string holder = lease.value("spec", Json::object()).value("holderIdentity", "");
    if (!holder.empty() && ExpiresAt(lease) > now) {
      live.insert(holder);
    }
  }
  return live;
}

absl::StatusOr<int> ReplicaLeases::RunOnce() {
  HUB_RETURN_IF_ERROR(Renew());
  HUB_ASSIGN_OR_RETURN(std::set<std::string> live, LiveReplicas());
  HUB_ASSIGN_OR_RETURN(int reclaimed, backend_.ReclaimPodsOfDeadOwners(live));
  if (reclaimed > 0) {
    HUB_LOG(info, "reclaimed model pods of dead replicas", {"pods", reclaimed},
            {"live_replicas", static_cast<std::int64_t>(live.size())});
  }
  reclaimed_ += reclaimed;
  return reclaimed;
}

void ReplicaLeases::Start() {
  if (absl::Status renewed = Renew(); !renewed.ok()) {
    HUB_LOG(warn, "cannot renew this replica's lease; retrying", {"error", renewed.ToString()});
  }
  thread_ = std::thread([this] { Loop(); });
}

void ReplicaLeases::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  std::string last_error;
  while (!stopping_) {
    lock.unlock();
    auto pass = RunOnce();
    // Logged once per distinct error, not every pass.
    std::string error = pass.ok() ? "" : pass.status().ToString();
    if (!error.empty() && error != last_error) {
      HUB_LOG(warn, "replica lease pass failed", {"error", error});
    }
    last_error = error;
    lock.lock();
    cv_.wait_for(lock, options_.interval, [this] { return stopping_; });
  }
}

void ReplicaLeases::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) {
    thread_.join();
  }
}

}  // namespace hub::runtime
