#include "hub/runtime/kubernetes_backend.h"

#include <algorithm>
#include <cctype>
#include <sstream>
#include <utility>

#include "fmt/format.h"

#include "hub/common/log.h"
#include "hub/common/strings.h"
#include "hub/k8s/kube_api.h"
#include "hub/k8s/quantity.h"

namespace hub::runtime {
namespace {

using Json = nlohmann::json;

constexpr char kModelSelector[] = "app.kubernetes.io/component=model";
constexpr common::Micros kSecond = common::kMicrosPerSecond;

// A label value: at most 63 of [A-Za-z0-9-_.], starting and ending alphanumeric.
std::string LabelValue(std::string_view text) {
  std::string out;
  for (char c : text) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.';
    out.push_back(ok ? c : '-');
  }
  out = out.substr(0, 63);
  while (!out.empty() && std::isalnum(static_cast<unsigned char>(out.back())) == 0) {
    out.pop_back();
  }
  return out;
}

const Json& Get(const Json& object, std::initializer_list<const char*> path) {
  static const Json null_json;
  const Json* node = &object;
  for (const char* key : path) {
    if (!node->is_object() || !node->contains(key)) {
      return null_json;
    }
    node = &(*node)[key];
  }
  return *node;
}

std::string Str(const Json& object, std::initializer_list<const char*> path) {
  const Json& value = Get(object, path);
  return value.is_string() ? value.get<std::string>() : "";
}

const Json* Condition(const Json& pod, std::string_view type) {
  const Json& conditions = Get(pod, {"status", "conditions"});
  if (!conditions.is_array()) {
    return nullptr;
  }
  for (const auto& condition : conditions) {
    if (condition.is_object() && condition.value("type", "") == type) {
      return &condition;
    }
  }
  return nullptr;
}

const Json& FirstContainer(const Json& pod) {
  static const Json empty_object = Json::object();
  const Json& statuses = Get(pod, {"status", "containerStatuses"});
  return statuses.is_array() && !statuses.empty() && statuses[0].is_object() ? statuses[0]
                                                                             : empty_object;
}

bool PermanentPullError(std::string_view reason, std::string_view message) {
  if (reason == "InvalidImageName" || reason == "ErrImageNeverPull") {
    return true;
  }
  std::string lower = common::ToLower(message);
  for (const char* fragment : {"not found", "manifest unknown", "unauthorized",
                               "pull access denied", "repository does not exist"}) {
    if (lower.find(fragment) != std::string::npos) {
      return true;
    }
  }
  return false;
}

// The end of a container, from `state.terminated` or (after a restart) `lastState`.
const Json* Terminated(const Json& container) {
  const Json& now = Get(container, {"state", "terminated"});
  if (now.is_object()) {
    return &now;
  }
  const Json& last = Get(container, {"lastState", "terminated"});
  return last.is_object() ? &last : nullptr;
}

}  // namespace

KubernetesBackend::KubernetesBackend(k8s::KubeClient& client,
                                     http::Client& http,
                                     const common::Clock& clock,
                                     KubernetesBackendOptions options)
    : client_(client), http_(http), clock_(clock), options_(std::move(options)) {
  k8s::InformerOptions informer;
  informer.path = k8s::PodsPath(options_.namespace_name);
  informer.label_selector = kModelSelector;
  informer.watch_timeout_seconds = static_cast<int>(options_.watch_timeout.count());
  informer.idle_timeout = options_.watch_idle_timeout;
  informer.backoff_min = std::chrono::milliseconds(200);
  informer_ = std::make_unique<k8s::Informer>(
      client_, informer, [this](const k8s::WatchEvent& event) { OnPodEvent(event); });
  informer_->Start();
  monitor_ = std::thread([this] { Monitor(); });
}

KubernetesBackend::~KubernetesBackend() {
  Shutdown();
}

void KubernetesBackend::SetObserver(Observer* observer) {
  std::lock_guard<std::mutex> lock(mu_);
  observer_ = observer;
}

nlohmann::json KubernetesBackend::PodManifest(const InstanceSpec& spec) const {
  const ResourceSpec& r = spec.details.resources;
  Json requests = {{"cpu", k8s::FormatMillicores(r.cpu_request)},
                   {"memory", k8s::FormatMebibytes(r.memory_request)}};
  Json limits = Json::object();
  if (r.cpu_limit.has_value()) {
    limits["cpu"] = k8s::FormatMillicores(*r.cpu_limit);
  }
  if (!spec.details.disable_memory_limit) {
    limits["memory"] = k8s::FormatMebibytes(r.memory_limit.value_or(r.memory_request));
  }
  Json probe = {{"httpGet", {{"path", "/healthz"}, {"port", options_.pod_port}}},
                {"periodSeconds", 5},
                {"timeoutSeconds", 2},
                {"failureThreshold", 3}};
  Json affinity_term = {
      {"weight", 100},
      {"podAffinityTerm",
       {{"labelSelector", {{"matchLabels", {{"app.kubernetes.io/component", "model"}}}}},
        {"topologyKey", "kubernetes.io/hostname"}}}};
  Json container = {
      {"name", "model"},
      {"image", fmt::format("{}/{}:{}", options_.image_repository, spec.model_id,
                            spec.details.image_tag.empty() ? "latest" : spec.details.image_tag)},
      {"imagePullPolicy", "IfNotPresent"},
      {"ports", {{{"name", "http"}, {"containerPort", options_.pod_port}, {"protocol", "TCP"}}}},
      {"resources", {{"requests", requests}, {"limits", limits}}},
      {"readinessProbe", probe}};
  Json pod = {
      {"apiVersion", "v1"},
      {"kind", "Pod"},
      {"metadata",
       {{"name", spec.instance_id},
        {"labels",
         {{"app.kubernetes.io/component", "model"},
          {"app.kubernetes.io/part-of", "eos-models"},
          {"app.kubernetes.io/instance", LabelValue("model-" + spec.model_id)},
          {"ersilia.modelid", LabelValue(spec.model_id)},
          {"ersilia.modelsize", fmt::format("{}Mi", ReservedMemoryMb(spec.details))},
          {"ersilia.instanceid", LabelValue(spec.instance_id)},
          {"ersilia.owner", LabelValue(spec.owner)}}},
        {"annotations",
         {{"ersilia.serverid", spec.owner},
          {"ersilia.instanceid", spec.instance_id},
          {"cluster-autoscaler.kubernetes.io/safe-to-evict", "false"},
          {"karpenter.sh/do-not-disrupt", "true"}}}}},
      {"spec",
       {{"restartPolicy", "Never"},
        {"automountServiceAccountToken", false},
        {"enableServiceLinks", false},
        {"terminationGracePeriodSeconds", options_.termination_grace_seconds},
        {"activeDeadlineSeconds", options_.active_deadline.count()},
        {"affinity",
         {{"podAffinity",
           {{"preferredDuringSchedulingIgnoredDuringExecution", Json::array({affinity_term})}}}}},
        {"containers", Json::array({container})}}}};
  if (!options_.scheduler_name.empty()) {
    pod["spec"]["schedulerName"] = options_.scheduler_name;
  }
  if (!options_.priority_class.empty()) {
    pod["spec"]["priorityClassName"] = options_.priority_class;
  }
  return pod;
}

absl::Status KubernetesBackend::Start(const InstanceSpec& spec) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) {
      return absl::UnavailableError("the kubernetes backend is shut down");
    }
    if (instances_.count(spec.instance_id) > 0) {
      return absl::AlreadyExistsError(fmt::format("instance {} exists", spec.instance_id));
    }
    Tracked tracked;
    tracked.spec = spec;
    tracked.created_at = clock_.NowMicros();
    instances_[spec.instance_id] = std::move(tracked);
  }
  auto created = k8s::CreatePod(client_, options_.namespace_name, PodManifest(spec));
  if (!created.ok()) {
    return CreateFailed(spec.instance_id, created.status());
  }
  std::lock_guard<std::mutex> lock(mu_);
  instances_[spec.instance_id].uid = Str(*created, {"metadata", "uid"});
  HUB_LOG(info, "pod created", {"pod", spec.instance_id}, {"model_id", spec.model_id});
  return absl::OkStatus();
}

absl::Status KubernetesBackend::CreateFailed(const std::string& instance_id,
                                             const absl::Status& status) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    instances_.erase(instance_id);
  }
  if (status.code() == absl::StatusCode::kInvalidArgument ||
      status.code() == absl::StatusCode::kAlreadyExists ||
      status.code() == absl::StatusCode::kResourceExhausted) {
    return status;
  }
  // The pod may exist (a garbled answer, or a 5xx after the write): the name is this
  // instance's alone, so deleting by name cannot hit another pod.
  absl::Status deleted = k8s::DeletePod(client_, options_.namespace_name, instance_id, "", 0);
  HUB_LOG(warn, "pod create failed; deleted any pod it made", {"pod", instance_id},
          {"error", status.ToString()}, {"deleted", deleted.ok()});
  return absl::UnavailableError(
      fmt::format("cannot create pod {}: {}", instance_id, common::ToString(status.message())));
}

void KubernetesBackend::Stop(const std::string& instance_id, std::chrono::milliseconds grace) {
  std::string uid;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = instances_.find(instance_id);
    if (it == instances_.end() || it->second.exited) {
      return;
    }
    it->second.stop_requested = true;
    uid = it->second.uid;
  }
  int seconds = static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(grace).count());
  absl::Status deleted =
      k8s::DeletePod(client_, options_.namespace_name, instance_id, uid, std::max(0, seconds));
  if (!deleted.ok()) {
    HUB_LOG(warn, "cannot delete pod", {"pod", instance_id}, {"error", deleted.ToString()});
  }
}

InstanceObservation KubernetesBackend::Exit(Tracked& tracked,
                                            ExitCause cause,
                                            std::string message,
                                            bool permanent) {
  tracked.exited = true;
  InstanceObservation observation;
  observation.instance_id = tracked.spec.instance_id;
  observation.model_id = tracked.spec.model_id;
  observation.phase = InstancePhase::kExited;
  observation.cause =
      tracked.stop_requested && cause == ExitCause::kLost ? ExitCause::kStopped : cause;
  observation.message = std::move(message);
  observation.permanent = permanent;
  observation.details = {{"pod", tracked.spec.instance_id}, {"node", tracked.node}};
  return observation;
}

std::optional<InstanceObservation> KubernetesBackend::Classify(Tracked& t, const Json& pod) {
  t.node = Str(pod, {"spec", "nodeName"});
  const Json& container = FirstContainer(pod);
  std::string waiting = Str(container, {"state", "waiting", "reason"});
  std::string waiting_message = Str(container, {"state", "waiting", "message"});
  const Json* disruption = Condition(pod, "DisruptionTarget");
  std::string disruption_reason = disruption == nullptr ? "" : disruption->value("reason", "");

  // Evictions and node loss first: their containers may also look terminated.
  if (Str(pod, {"status", "reason"}) == "Evicted") {
    return Exit(t, ExitCause::kLost, fmt::format("Evicted: {}", Str(pod, {"status", "message"})),
                false);
  }
  if (disruption_reason == "DeletionByTaintManager") {
    return Exit(t, ExitCause::kLost, fmt::format("node {} lost (taint manager deletion)", t.node),
                false);
  }
  if (disruption_reason == "EvictionByEvictionAPI") {
    return Exit(t, ExitCause::kLost, "evicted through the Eviction API (node drain)", false);
  }
  if (const Json* end = Terminated(container); end != nullptr) {
    std::string reason = end->value("reason", "");
    int code = end->value("exitCode", 0);
    if (reason == "OOMKilled") {
      const ResourceSpec& r = t.spec.details.resources;
      return Exit(t, ExitCause::kOutOfMemory,
                  fmt::format("OOMKilled (exit code {}) with a memory limit of {} MiB", code,
                              r.memory_limit.value_or(r.memory_request)),
                  false);
    }
    ExitCause cause = t.ready ? ExitCause::kCrashed : ExitCause::kStartFailed;
    std::string how = waiting == "CrashLoopBackOff" ? " (CrashLoopBackOff)" : "";
    return Exit(t, cause, fmt::format("exited with code {}: {}{}", code, reason, how), false);
  }
  if (waiting == "ErrImagePull" || waiting == "ImagePullBackOff" || waiting == "InvalidImageName" ||
      waiting == "ErrImageNeverPull") {
    if (PermanentPullError(waiting, waiting_message)) {
      return Exit(t, ExitCause::kStartFailed, fmt::format("{}: {}", waiting, waiting_message),
                  true);
    }
    t.pull_wait = true;
    t.wait_message = fmt::format("{}: {}", waiting, waiting_message);
    return std::nullopt;
  }
  if (waiting == "CreateContainerConfigError" || waiting == "CreateContainerError" ||
      waiting == "RunContainerError") {
    return Exit(t, ExitCause::kStartFailed, fmt::format("{}: {}", waiting, waiting_message), true);
  }
  std::string phase = Str(pod, {"status", "phase"});
  if (phase == "Running" && t.running_since == 0) {
    t.running_since = clock_.NowMicros();
  }
  if (phase == "Failed" || phase == "Succeeded") {
    return Exit(t, t.ready ? ExitCause::kCrashed : ExitCause::kStartFailed,
                fmt::format("pod {}: {} {}", phase, Str(pod, {"status", "reason"}),
                            Str(pod, {"status", "message"})),
                false);
  }
  const Json* scheduled = Condition(pod, "PodScheduled");
  t.unschedulable = scheduled != nullptr && scheduled->value("reason", "") == "Unschedulable";
  if (t.unschedulable) {
    t.wait_message = fmt::format("Unschedulable: {}", scheduled->value("message", ""));
    return std::nullopt;
  }
  const Json* ready = Condition(pod, "Ready");
  bool pod_ready = ready != nullptr && ready->value("status", "") == "True";
  if (pod_ready && !t.ready && !t.healthz_pending) {
    t.healthz_pending = true;
    t.base_url = fmt::format("http://{}:{}", Str(pod, {"status", "podIP"}), options_.pod_port);
  }
  return std::nullopt;
}

void KubernetesBackend::OnPodEvent(const k8s::WatchEvent& event) {
  std::string name = Str(event.object, {"metadata", "name"});
  std::vector<InstanceObservation> out;
  bool lost_check = false;
  std::string node;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = instances_.find(name);
    if (it == instances_.end() || it->second.exited) {
      return;
    }
    Tracked& t = it->second;
    if (event.type == "DELETED") {
      out.push_back(Exit(t, ExitCause::kLost, "pod deleted", false));
    } else if (auto observation = Classify(t, event.object); observation.has_value()) {
      out.push_back(std::move(*observation));
    } else {
      const Json* ready = Condition(event.object, "Ready");
      lost_check = t.ready && ready != nullptr && ready->value("status", "") != "True";
      node = t.node;
    }
  }
  // A ready pod that turned unready on a NotReady node is lost.
  if (lost_check && !NodeReady(node)) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = instances_.find(name);
    if (it != instances_.end() && !it->second.exited) {
      out.push_back(Exit(it->second, ExitCause::kLost, fmt::format("node {} lost", node), false));
    }
  }
  Deliver(out);
}

bool KubernetesBackend::NodeReady(const std::string& node) {
  k8s::KubeRequest request;
  request.path = "/api/v1/nodes/" + node;
  auto object = client_.Call(request);
  if (!object.ok()) {
    return object.status().code() != absl::StatusCode::kNotFound;
  }
  const Json* ready = Condition(*object, "Ready");
  return ready != nullptr && ready->value("status", "") == "True";
}

void KubernetesBackend::Deliver(const std::vector<InstanceObservation>& observations) {
  Observer* observer = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) {
      return;
    }
    observer = observer_;
  }
  for (const auto& observation : observations) {
    if (observation.phase == InstancePhase::kExited) {
      Ended(observation);
    }
    if (observer != nullptr) {
      observer->OnObservation(observation);
    }
  }
}

void KubernetesBackend::Ended(const InstanceObservation& observation) {
  HUB_LOG(info, "pod ended", {"pod", observation.instance_id},
          {"cause", ExitCauseName(observation.cause)}, {"message", observation.message});
  std::string uid;
  {
    std::lock_guard<std::mutex> lock(mu_);
    uid = instances_[observation.instance_id].uid;
  }
  Finish(observation.instance_id, uid);
}

void KubernetesBackend::Finish(const std::string& instance_id, const std::string& uid) {
  // Logs vanish with the pod: keep the tail first.
  auto text = client_.GetText(k8s::PodsPath(options_.namespace_name, instance_id) +
                              "/log?container=model&tailLines=200");
  std::vector<std::string> lines;
  if (text.ok()) {
    std::istringstream in(*text);
    for (std::string line; std::getline(in, line);) {
      lines.push_back(line);
    }
  }
  absl::Status deleted = k8s::DeletePod(client_, options_.namespace_name, instance_id, uid, 0);
  if (!deleted.ok() && log::Every("k8s.backend.delete", 10'000)) {
    HUB_LOG(warn, "cannot delete a finished pod", {"pod", instance_id},
            {"error", deleted.ToString()});
  }
  std::lock_guard<std::mutex> lock(mu_);
  final_logs_[instance_id] = std::move(lines);
  instances_.erase(instance_id);
}

void KubernetesBackend::CheckTimeouts(std::vector<InstanceObservation>& out) {
  common::Micros now = clock_.NowMicros();
  for (auto& [id, t] : instances_) {
    if (t.ready || t.exited || t.stop_requested) {
      continue;
    }
    // Each stage has its own limit (kubernetes.md §7); before the first event the longest
    // start limit applies, so a slow watch never shortens a wait.
    common::Micros since = t.created_at;
    std::chrono::seconds limit = options_.node_scaling
                                     ? options_.unschedulable_timeout
                                     : options_.unschedulable_timeout_without_scaling;
    std::string what = t.unschedulable ? "stayed unschedulable" : "was not scheduled";
    if (!t.unschedulable && !t.node.empty() && t.running_since == 0) {
      limit = options_.image_pull_timeout;
      what = t.pull_wait ? "could not pull its image" : "did not start its container";
    } else if (t.running_since > 0) {
      limit = options_.ready_timeout;
      since = t.running_since;
      what = "did not become ready";
    }
    common::Micros age = now - since;
    if (age >= limit.count() * kSecond) {
      out.push_back(Exit(t, ExitCause::kStartFailed,
                         fmt::format("pod {} for {} s: {}", what, limit.count(), t.wait_message),
                         false));
    }
  }
}

void KubernetesBackend::CheckHealth() {
  std::vector<std::pair<std::string, std::string>> pending;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, t] : instances_) {
      if (t.healthz_pending && !t.exited) {
        pending.emplace_back(id, t.base_url);
      }
    }
  }
  std::vector<InstanceObservation> out;
  for (const auto& [id, url] : pending) {
    auto answer = http_.Get(url + "/healthz", std::chrono::seconds(2));
    if (!answer.ok() || answer->status < 200 || answer->status >= 300) {
      continue;
    }
    std::lock_guard<std::mutex> lock(mu_);
    auto it = instances_.find(id);
    if (it == instances_.end() || it->second.exited || !it->second.healthz_pending) {
      continue;
    }
    it->second.healthz_pending = false;
    it->second.ready = true;
    InstanceObservation ready;
    ready.instance_id = id;
    ready.model_id = it->second.spec.model_id;
    ready.phase = InstancePhase::kReady;
    ready.base_url = url;
    ready.message = fmt::format("pod ready on node {}", it->second.node);
    ready.details = {{"pod", id}, {"node", it->second.node}};
    out.push_back(std::move(ready));
  }
  Deliver(out);
}

void KubernetesBackend::Monitor() {
  while (true) {
    std::vector<InstanceObservation> out;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, options_.monitor_interval, [this] { return stopping_; });
      if (stopping_) {
        return;
      }
      CheckTimeouts(out);
    }
    Deliver(out);
    CheckHealth();
  }
}

absl::StatusOr<std::vector<InstanceObservation>> KubernetesBackend::ListOwned(
    const std::string& owner) {
  auto pods =
      k8s::ListObjects(client_, k8s::PodsPath(options_.namespace_name),
                       fmt::format("{},ersilia.owner={}", kModelSelector, LabelValue(owner)));
  if (!pods.ok()) {
    return pods.status();
  }
  std::vector<InstanceObservation> adopted;
  for (const Json& pod : pods->items) {
    if (auto observation = AdoptOrDelete(pod, owner); observation.has_value()) {
      adopted.push_back(std::move(*observation));
    }
  }
  return adopted;
}

std::optional<InstanceObservation> KubernetesBackend::AdoptOrDelete(const Json& pod,
                                                                    const std::string& owner) {
  std::string name = Str(pod, {"metadata", "name"});
  const Json* ready = Condition(pod, "Ready");
  bool deleting = Get(pod, {"metadata", "deletionTimestamp"}).is_string();
  if (ready == nullptr || ready->value("status", "") != "True" || deleting) {
    absl::Status deleted =
        k8s::DeletePod(client_, options_.namespace_name, name, Str(pod, {"metadata", "uid"}), 0);
    HUB_LOG(info, "deleted an owned pod that was not ready", {"pod", name}, {"ok", deleted.ok()});
    return std::nullopt;
  }
  Tracked t;
  t.spec.instance_id = name;
  t.spec.model_id = Str(pod, {"metadata", "labels", "ersilia.modelid"});
  t.spec.owner = owner;
  t.uid = Str(pod, {"metadata", "uid"});
  t.ready = true;
  t.node = Str(pod, {"spec", "nodeName"});
  t.base_url = fmt::format("http://{}:{}", Str(pod, {"status", "podIP"}), options_.pod_port);
  InstanceObservation observation;
  observation.instance_id = name;
  observation.model_id = t.spec.model_id;
  observation.phase = InstancePhase::kReady;
  observation.base_url = t.base_url;
  observation.details = {{"pod", name}, {"node", t.node}, {"adopted", true}};
  std::lock_guard<std::mutex> lock(mu_);
  instances_[name] = std::move(t);
  return observation;
}

absl::StatusOr<int> KubernetesBackend::ReclaimPodsOfDeadOwners(
    const std::set<std::string>& live_owners) {
  auto pods = k8s::ListObjects(client_, k8s::PodsPath(options_.namespace_name), kModelSelector);
  if (!pods.ok()) {
    return pods.status();
  }
  std::set<std::string> live;
  for (const auto& owner : live_owners) {
    live.insert(LabelValue(owner));
  }
  int reclaimed = 0;
  for (const Json& pod : pods->items) {
    reclaimed += ReclaimIfDead(pod, live) ? 1 : 0;
  }
  return reclaimed;
}

bool KubernetesBackend::ReclaimIfDead(const Json& pod, const std::set<std::string>& live) {
  std::string owner = Str(pod, {"metadata", "labels", "ersilia.owner"});
  if (owner.empty() || live.count(owner) > 0) {
    return false;
  }
  std::string name = Str(pod, {"metadata", "name"});
  absl::Status deleted =
      k8s::DeletePod(client_, options_.namespace_name, name, Str(pod, {"metadata", "uid"}), 0);
  if (deleted.ok()) {
    HUB_LOG(info, "reclaimed a pod of a dead replica", {"pod", name}, {"owner", owner});
  }
  return deleted.ok();
}

absl::StatusOr<ResourceUsage> KubernetesBackend::Usage(const std::string& instance_id) {
  std::string node;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = instances_.find(instance_id);
    if (it == instances_.end() || it->second.exited) {
      return absl::NotFoundError(fmt::format("instance {} is not running", instance_id));
    }
    node = it->second.node;
  }
  ResourceUsage usage;
  usage.sampled_at = clock_.NowMicros();
  auto sample = k8s::GetPodMetrics(client_, options_.namespace_name, instance_id);
  if (sample.ok()) {
    // metrics.k8s.io gives a rate; integrate it into the counter the contract asks for.
    std::lock_guard<std::mutex> lock(mu_);
    Tracked& t = instances_[instance_id];
    if (t.cpu_sampled_at > 0) {
      double seconds = static_cast<double>(usage.sampled_at - t.cpu_sampled_at) / 1e6;
      t.cpu_seconds += static_cast<double>(sample->cpu_millicores) / 1000.0 * seconds;
    }
    t.cpu_sampled_at = usage.sampled_at;
    usage.cpu_seconds = t.cpu_seconds;
    usage.memory_bytes = sample->memory_bytes;
    return usage;
  }
  auto text = client_.GetText(fmt::format("/api/v1/nodes/{}/proxy/metrics/resource", node));
  if (!text.ok()) {
    return absl::UnimplementedError(fmt::format("no pod metrics: metrics.k8s.io: {}; kubelet: {}",
                                                sample.status().ToString(),
                                                text.status().ToString()));
  }
  auto kubelet = k8s::ParseKubeletPodSample(*text, options_.namespace_name, instance_id);
  if (!kubelet.ok()) {
    return kubelet.status();
  }
  usage.cpu_seconds = kubelet->cpu_seconds;
  usage.memory_bytes = kubelet->memory_bytes;
  return usage;
}

absl::StatusOr<std::vector<std::string>> KubernetesBackend::Logs(const std::string& instance_id,
                                                                 const LogQuery& query) {
  std::vector<std::string> lines;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto kept = final_logs_.find(instance_id);
    if (kept != final_logs_.end()) {
      lines = kept->second;
    } else if (instances_.count(instance_id) == 0) {
      return absl::NotFoundError(fmt::format("no logs for instance {}", instance_id));
    }
  }
  if (lines.empty()) {
    auto text = client_.GetText(k8s::PodsPath(options_.namespace_name, instance_id) +
                                "/log?container=model");
    if (!text.ok()) {
      return text.status();
    }
    std::istringstream in(*text);
    for (std::string line; std::getline(in, line);) {
      lines.push_back(line);
    }
  }
  if (query.tail > 0 && lines.size() > static_cast<size_t>(query.tail)) {
    lines.erase(lines.begin(), lines.end() - query.tail);
  } else if (query.tail <= 0 && query.head > 0 && lines.size() > static_cast<size_t>(query.head)) {
    lines.resize(static_cast<size_t>(query.head));
  }
  return lines;
}

void KubernetesBackend::Shutdown() {
  std::vector<std::pair<std::string, std::string>> pods;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) {
      return;
    }
    stopping_ = true;
    for (const auto& [id, t] : instances_) {
      pods.emplace_back(id, t.uid);
    }
  }
  cv_.notify_all();
  if (monitor_.joinable()) {
    monitor_.join();
  }
  informer_->Stop();
  for (const auto& [id, uid] : pods) {
    absl::Status deleted = k8s::DeletePod(client_, options_.namespace_name, id, uid, 0);
    (void)deleted;
  }
}

}  // namespace hub::runtime
