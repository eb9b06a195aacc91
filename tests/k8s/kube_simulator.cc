#include "tests/k8s/kube_simulator.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "fmt/format.h"

#include "hub/common/random.h"
#include "hub/common/strings.h"
#include "hub/common/time_format.h"
#include "hub/runtime/proc_usage.h"

#include "tests/k8s/sim_selectors.h"
#include "tests/k8s/sim_state.h"

namespace hub::k8s::sim {
namespace {

using json = nlohmann::json;
using State = KubeSimulator::State;
using StatePtr = std::shared_ptr<State>;

constexpr size_t kRequestLogLimit = 100'000;
// What a watch cut by `CutWatchesForTest` sends last: half an event.
constexpr char kHalfEvent[] = R"({"type":"MODIFIED","object":{"kind":"Pod","metadata":{"na)";

http::Response StatusResponse(int code,
                              const std::string& reason,
                              const std::string& message,
                              json details = json::object()) {
  json status = {{"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", json::object()},
                 {"status", "Failure"}, {"message", message}, {"reason", reason},
                 {"details", details},  {"code", code}};
  return http::Response::JsonText(code, status.dump());
}

http::Response NotFound(const std::string& resource, const std::string& name) {
  return StatusResponse(404, "NotFound", fmt::format("{} \"{}\" not found", resource, name),
                        {{"name", name}, {"kind", resource}});
}

// An API path taken apart.
struct ApiPath {
  std::string group;  // "" for core
  std::string version;
  std::string ns;
  std::string resource;
  std::string name;
  std::string sub;  // "scale", "eviction", "log", "proxy/metrics/resource", ...
};

std::optional<ApiPath> ParsePath(const std::string& path) {
  std::vector<std::string> parts;
  for (std::string_view part : common::Split(path, '/')) {
    if (!part.empty()) {
      parts.emplace_back(part);
    }
  }
  ApiPath api;
  size_t i = 0;
  if (parts.size() >= 2 && parts[0] == "api") {
    api.version = parts[1];
    i = 2;
  } else if (parts.size() >= 3 && parts[0] == "apis") {
    api.group = parts[1];
    api.version = parts[2];
    i = 3;
  } else {
    return std::nullopt;
  }
  if (parts.size() >= i + 3 && parts[i] == "namespaces") {
    api.ns = parts[i + 1];
    i += 2;
  }
  if (i >= parts.size()) {
    return std::nullopt;
  }
  api.resource = parts[i++];
  if (i < parts.size()) {
    api.name = parts[i++];
  }
  std::vector<std::string> rest(parts.begin() + static_cast<std::ptrdiff_t>(i), parts.end());
  api.sub = common::Join(rest, "/");
  return api;
}

std::string Key(const std::string& ns, const std::string& name) {
  return fmt::format("{}/{}", ns, name);
}

bool IsTerminal(const json& pod) {
  std::string phase = FieldValue(pod, "status.phase");
  return phase == "Succeeded" || phase == "Failed";
}

// 422 for what the real API rejects that the hub could plausibly send.
std::optional<http::Response> ValidatePod(const json& pod) {
  const json& containers = pod["spec"].value("containers", json::array());
  if (!containers.is_array() || containers.empty()) {
    return StatusResponse(
        422, "Invalid", "Pod is invalid: spec.containers: Required value",
        {{"causes", {{{"reason", "FieldValueRequired"}, {"field", "spec.containers"}}}}});
  }
  for (const auto& container : containers) {
    if (container.value("image", "").empty()) {
      return StatusResponse(
          422, "Invalid", "Pod is invalid: spec.containers[0].image: Required value",
          {{"causes",
            {{{"reason", "FieldValueRequired"}, {"field", "spec.containers[0].image"}}}}});
    }
  }
  return std::nullopt;
}

void DefaultPod(json& pod) {
  json& spec = pod["spec"];
  if (!spec.contains("restartPolicy")) {
    spec["restartPolicy"] = "Always";
  }
  if (!spec.contains("terminationGracePeriodSeconds")) {
    spec["terminationGracePeriodSeconds"] = 30;
  }
  spec["schedulerName"] = spec.value("schedulerName", "default-scheduler");
  for (auto& container : spec["containers"]) {
    std::string image = container.value("image", "");
    bool latest = image.find(':') == std::string::npos || image.ends_with(":latest");
    if (!container.contains("imagePullPolicy")) {
      container["imagePullPolicy"] = latest ? "Always" : "IfNotPresent";
    }
  }
  pod["status"] = {{"phase", "Pending"}, {"qosClass", "Burstable"}};
}

http::Response Create(State& s, const ApiPath& api, const ResourceInfo& info, json object) {
  if (!object.is_object()) {
    return StatusResponse(400, "BadRequest", "the body is not a JSON object");
  }
  json& meta = object["metadata"];
  if (!meta.is_object()) {
    meta = json::object();
  }
  std::string name = meta.value("name", "");
  if (name.empty() && meta.contains("generateName")) {
    name = meta.value("generateName", "") + common::RandomHexToken(3).substr(0, 5);
  }
  if (name.empty()) {
    return StatusResponse(422, "Invalid", "metadata.name: Required value");
  }
  if (api.resource == "pods") {
    if (auto invalid = ValidatePod(object); invalid.has_value()) {
      return *invalid;
    }
    DefaultPod(object);
  }
  std::string ns = info.namespaced ? api.ns : "";
  if (s.Find(api.resource, Key(ns, name)) != nullptr) {
    return StatusResponse(409, "AlreadyExists",
                          fmt::format("{} \"{}\" already exists", api.resource, name));
  }
  meta["name"] = name;
  if (info.namespaced) {
    meta["namespace"] = ns;
  }
  meta["uid"] = common::NewUuid();
  meta["creationTimestamp"] = s.Now();
  meta["generation"] = 1;
  object["apiVersion"] = info.api_version;
  object["kind"] = info.kind;
  return http::Response::JsonText(201, s.Put(api.resource, std::move(object), "ADDED").dump());
}

std::string Query(const http::Request& request, std::string_view name) {
  return std::string(request.Query(name).value_or(""));
}

// A watch: initial ADDED events when asked, then history after the start revision, with
// selector transitions, bookmarks, timeoutSeconds, cuts and 410.
class WatchStream final : public http::BodyStream {
public:
  WatchStream(StatePtr state, ApiPath api, Selector labels, Selector fields)
      : state_(std::move(state)),
        api_(std::move(api)),
        labels_(std::move(labels)),
        fields_(std::move(fields)),
        cut_generation_(state_->cut_generation.load()) {}

  // Sets up the start point. Returns false when the revision is too old.
  bool Begin(const std::string& rv, bool bookmarks, int timeout_seconds) {
    std::lock_guard<std::mutex> lock(state_->mu);
    bookmarks_ = bookmarks;
    deadline_ = std::chrono::steady_clock::now() +
                std::chrono::seconds(timeout_seconds > 0 ? timeout_seconds : 1800);
    last_bookmark_ = std::chrono::steady_clock::now();
    if (rv.empty() || rv == "0") {
      for (const auto& [key, object] : state_->objects[api_.resource]) {
        if (Matches(object)) {
          pending_ += Line("ADDED", object);
        }
      }
      last_revision_ = state_->revision;
      return true;
    }
    last_revision_ = std::atoll(rv.c_str());
    return last_revision_ >= state_->compacted_revision;
  }

  void ExpireNow(std::int64_t asked, std::int64_t current) {
    json status = {{"kind", "Status"},
                   {"apiVersion", "v1"},
                   {"metadata", json::object()},
                   {"status", "Failure"},
                   {"message", fmt::format("too old resource version: {} ({})", asked, current)},
                   {"reason", "Expired"},
                   {"code", 410}};
    pending_ = json({{"type", "ERROR"}, {"object", status}}).dump() + "\n";
    end_after_pending_ = true;
  }

  http::StreamStep Next(std::string& out) override {
    if (!pending_.empty()) {
      out.swap(pending_);
      pending_.clear();
      return http::StreamStep::Data();
    }
    if (end_after_pending_ || state_->stopping || std::chrono::steady_clock::now() > deadline_) {
      return http::StreamStep::End();
    }
    if (state_->cut_generation.load() != cut_generation_) {
      // Half an event, then the connection ends.
      out = kHalfEvent;
      end_after_pending_ = true;
      return http::StreamStep::Data();
    }
    Collect(out);
    if (!out.empty()) {
      return http::StreamStep::Data();
    }
    if (bookmarks_ && std::chrono::steady_clock::now() - last_bookmark_ >
                          std::chrono::milliseconds(state_->options.bookmark_interval_ms)) {
      last_bookmark_ = std::chrono::steady_clock::now();
      std::lock_guard<std::mutex> lock(state_->mu);
      const ResourceInfo* info = FindResource(api_.resource);
      json bookmark = {{"kind", info->kind},
                       {"apiVersion", info->api_version},
                       {"metadata", {{"resourceVersion", std::to_string(state_->revision)}}}};
      last_revision_ = state_->revision;
      out = Line("BOOKMARK", bookmark);
      return http::StreamStep::Data();
    }
    return http::StreamStep::Wait(std::chrono::milliseconds(5));
  }

private:
  static std::string Line(const std::string& type, const json& object) {
    return json({{"type", type}, {"object", object}}).dump() + "\n";
  }

  bool Matches(const json& object) const {
    bool ns_ok = api_.ns.empty() || FieldValue(object, "metadata.namespace") == api_.ns;
    return !object.is_null() && ns_ok && labels_.Matches(object) && fields_.Matches(object);
  }

  void Collect(std::string& out) {
    std::lock_guard<std::mutex> lock(state_->mu);
    if (last_revision_ < state_->compacted_revision) {
      ExpireNow(last_revision_, state_->revision);
      return;
    }
    auto& history = state_->history;
    auto it =
        std::upper_bound(history.begin(), history.end(), last_revision_,
                         [](std::int64_t rv, const HistoryEvent& e) { return rv < e.revision; });
    for (; it != history.end() && out.size() < 256 * 1024; ++it) {
      last_revision_ = it->revision;
      if (it->resource != api_.resource) {
        continue;
      }
      bool now = Matches(it->object);
      bool before = Matches(it->previous);
      if (it->type == "DELETED" && (now || before)) {
        out += Line("DELETED", it->object);
      } else if (now && before) {
        out += Line("MODIFIED", it->object);
      } else if (now) {
        out += Line("ADDED", it->object);
      } else if (before) {
        out += Line("DELETED", it->object);
      }
    }
  }

  StatePtr state_;
  ApiPath api_;
  Selector labels_;
  Selector fields_;
  int cut_generation_;
  std::string pending_;
  bool end_after_pending_ = false;
  bool bookmarks_ = false;
  std::int64_t last_revision_ = 0;
  std::chrono::steady_clock::time_point deadline_;
  std::chrono::steady_clock::time_point last_bookmark_;
};

http::Response List(const StatePtr& state,
                    const ApiPath& api,
                    const ResourceInfo& info,
                    const http::Request& request) {
  auto labels = Selector::ParseLabels(Query(request, "labelSelector"));
  auto fields = Selector::ParseFields(Query(request, "fieldSelector"), api.resource);
  if (!labels.ok() || !fields.ok()) {
    std::string message(labels.ok() ? fields.status().message() : labels.status().message());
    return StatusResponse(400, "BadRequest", message);
  }
  if (Query(request, "watch") == "true" || Query(request, "watch") == "1") {
    auto stream = std::make_shared<WatchStream>(state, api, *labels, *fields);
    std::string rv = Query(request, "resourceVersion");
    if (!stream->Begin(rv, Query(request, "allowWatchBookmarks") == "true",
                       std::atoi(Query(request, "timeoutSeconds").c_str()))) {
      std::lock_guard<std::mutex> lock(state->mu);
      if (state->options.expired_as_http_410) {
        return StatusResponse(
            410, "Expired", fmt::format("too old resource version: {} ({})", rv, state->revision));
      }
      stream->ExpireNow(std::atoll(rv.c_str()), state->revision);
    }
    http::Response response;
    response.headers.Set("Content-Type", "application/json");
    response.stream = stream;
    return response;
  }
  std::lock_guard<std::mutex> lock(state->mu);
  std::vector<json> items;
  for (const auto& [key, object] : state->objects[api.resource]) {
    bool ns_ok = api.ns.empty() || FieldValue(object, "metadata.namespace") == api.ns;
    if (ns_ok && labels->Matches(object) && fields->Matches(object)) {
      items.push_back(object);
    }
  }
  // Pages by offset; the token carries it.
  size_t offset = std::strtoull(Query(request, "continue").c_str(), nullptr, 10);
  size_t limit = std::strtoull(Query(request, "limit").c_str(), nullptr, 10);
  json meta = {{"resourceVersion", std::to_string(state->revision)}};
  size_t end = limit == 0 ? items.size() : std::min(items.size(), offset + limit);
  if (end < items.size()) {
    meta["continue"] = std::to_string(end);
  }
  json list = {{"kind", info.kind + "List"}, {"apiVersion", info.api_version}, {"metadata", meta}};
  list["items"] = json::array();
  for (size_t i = std::min(offset, items.size()); i < end; ++i) {
    list["items"].push_back(items[i]);
  }
  return http::Response::JsonText(200, list.dump());
}

http::Response Update(State& s, const ApiPath& api, const std::string& key, json object) {
  json* stored = s.Find(api.resource, key);
  if (stored == nullptr) {
    return NotFound(api.resource, api.name);
  }
  std::string rv = FieldValue(object, "metadata.resourceVersion");
  if (!rv.empty() && rv != FieldValue(*stored, "metadata.resourceVersion")) {
    return StatusResponse(
        409, "Conflict",
        fmt::format("Operation cannot be fulfilled on {} \"{}\": the object has been modified; "
                    "please apply your changes to the latest version and try again",
                    api.resource, api.name));
  }
  object["metadata"]["uid"] = (*stored)["metadata"]["uid"];
  object["metadata"]["creationTimestamp"] = (*stored)["metadata"]["creationTimestamp"];
  if (api.resource == "pods") {
    object["status"] = (*stored)["status"];
  }
  return http::Response::JsonText(200, s.Put(api.resource, std::move(object), "MODIFIED").dump());
}

http::Response Patch(State& s,
                     const ApiPath& api,
                     const ResourceInfo& info,
                     const std::string& key,
                     const http::Request& request) {
  json* stored = s.Find(api.resource, key);
  if (stored == nullptr) {
    return NotFound(api.resource, api.name);
  }
  std::string type(request.Header("Content-Type").value_or(""));
  json patch = json::parse(request.body, nullptr, false);
  if (patch.is_discarded()) {
    return StatusResponse(400, "BadRequest", "the patch is not JSON");
  }
  json updated = *stored;
  try {
    if (type.starts_with("application/json-patch+json")) {
      updated = updated.patch(patch);
    } else if (type.starts_with("application/merge-patch+json") ||
               type.starts_with("application/strategic-merge-patch+json")) {
      if (info.custom && type.starts_with("application/strategic")) {
        return StatusResponse(415, "UnsupportedMediaType",
                              "the body of the request was in an unknown format");
      }
      updated.merge_patch(patch);
    } else {
      return StatusResponse(415, "UnsupportedMediaType",
                            fmt::format("unsupported patch type {}", type));
    }
  } catch (const json::exception& e) {
    return StatusResponse(422, "Invalid", e.what());
  }
  return http::Response::JsonText(200, s.Put(api.resource, std::move(updated), "MODIFIED").dump());
}

http::Response DeleteObject(State& s,
                            const ApiPath& api,
                            const std::string& key,
                            const http::Request& request) {
  json* stored = s.Find(api.resource, key);
  if (stored == nullptr) {
    return NotFound(api.resource, api.name);
  }
  json options = json::parse(request.body.empty() ? "{}" : request.body, nullptr, false);
  std::string uid = options.is_object() && options.contains("preconditions")
                        ? options["preconditions"].value("uid", "")
                        : "";
  if (!uid.empty() && uid != FieldValue(*stored, "metadata.uid")) {
    return StatusResponse(409, "Conflict",
                          fmt::format("Precondition failed: UID in precondition: {}, UID in "
                                      "object meta: {}",
                                      uid, FieldValue(*stored, "metadata.uid")));
  }
  int grace = options.is_object() && options.contains("gracePeriodSeconds")
                  ? options.value("gracePeriodSeconds", 30)
                  : std::atoi(Query(request, "gracePeriodSeconds").empty()
                                  ? "30"
                                  : Query(request, "gracePeriodSeconds").c_str());
  bool immediate = api.resource != "pods" || grace == 0 ||
                   FieldValue(*stored, "spec.nodeName").empty() || IsTerminal(*stored);
  if (immediate) {
    json last = *stored;
    s.Remove(api.resource, key);
    return http::Response::JsonText(200, last.dump());
  }
  if (!stored->contains("metadata") || !(*stored)["metadata"].contains("deletionTimestamp")) {
    json updated = *stored;
    updated["metadata"]["deletionTimestamp"] = s.Now();
    updated["metadata"]["deletionGracePeriodSeconds"] = grace;
    s.Put(api.resource, std::move(updated), "MODIFIED");
  }
  return http::Response::JsonText(200, s.Find(api.resource, key)->dump());
}

bool PodReady(const json& pod) {
  for (const auto& condition : pod["status"].value("conditions", json::array())) {
    if (condition.value("type", "") == "Ready") {
      return condition.value("status", "") == "True";
    }
  }
  return false;
}

http::Response Evict(State& s, const ApiPath& api, const std::string& key) {
  json* pod = s.Find("pods", key);
  if (pod == nullptr) {
    return NotFound("pods", api.name);
  }
  if (!IsTerminal(*pod)) {
    std::vector<json> budgets;
    for (const auto& [pdb_key, pdb] : s.objects["poddisruptionbudgets"]) {
      json match =
          pdb["spec"].value("selector", json::object()).value("matchLabels", json::object());
      bool covers = FieldValue(pdb, "metadata.namespace") == api.ns && !match.empty();
      for (const auto& [label, value] : match.items()) {
        covers = covers && (*pod)["metadata"].value("labels", json::object()).value(label, "") ==
                               value.get<std::string>();
      }
      if (covers) {
        budgets.push_back(pdb);
      }
    }
    if (budgets.size() > 1) {
      return StatusResponse(500, "InternalError",
                            "This pod has more than one PodDisruptionBudget, which the eviction "
                            "subresource does not support.");
    }
    if (budgets.size() == 1) {
      json match = budgets[0]["spec"]["selector"]["matchLabels"];
      int healthy = 0;
      for (const auto& [other_key, other] : s.objects["pods"]) {
        bool selected = true;
        for (const auto& [label, value] : match.items()) {
          selected =
              selected && other["metadata"].value("labels", json::object()).value(label, "") ==
                              value.get<std::string>();
        }
        bool deleting = other["metadata"].contains("deletionTimestamp");
        healthy += selected && !deleting && PodReady(other) ? 1 : 0;
      }
      int min_available = budgets[0]["spec"].value("minAvailable", 0);
      if (healthy - min_available <= 0) {
        return StatusResponse(
            429, "TooManyRequests",
            "Cannot evict pod as it would violate the pod's disruption budget.",
            {{"causes",
              {{{"reason", "DisruptionBudget"},
                {"message",
                 fmt::format("The disruption budget {} needs {} healthy pods and has "
                             "{} currently",
                             FieldValue(budgets[0], "metadata.name"), min_available, healthy)}}}}});
      }
    }
    json updated = *pod;
    updated["status"]["conditions"].push_back({{"type", "DisruptionTarget"},
                                               {"status", "True"},
                                               {"reason", "EvictionByEvictionAPI"},
                                               {"message", "Eviction API: evicting"},
                                               {"lastTransitionTime", s.Now()}});
    updated["metadata"]["deletionTimestamp"] = s.Now();
    updated["metadata"]["deletionGracePeriodSeconds"] = 30;
    s.Put("pods", std::move(updated), "MODIFIED");
  } else {
    s.Remove("pods", key);
  }
  json success = {{"kind", "Status"},
                  {"apiVersion", "v1"},
                  {"metadata", json::object()},
                  {"status", "Success"},
                  {"code", 201}};
  return http::Response::JsonText(201, success.dump());
}

http::Response Scale(State& s,
                     const ApiPath& api,
                     const std::string& key,
                     const http::Request& request) {
  json* md = s.Find("machinedeployments", key);
  if (md == nullptr) {
    return NotFound("machinedeployments", api.name);
  }
  auto scale_of = [&](const json& object) {
    return json{{"kind", "Scale"},
                {"apiVersion", "autoscaling/v1"},
                {"metadata",
                 {{"name", api.name},
                  {"namespace", api.ns},
                  {"resourceVersion", FieldValue(object, "metadata.resourceVersion")}}},
                {"spec", {{"replicas", object["spec"].value("replicas", 0)}}},
                {"status",
                 {{"replicas", object.value("status", json::object()).value("replicas", 0)},
                  {"selector", fmt::format("cluster.x-k8s.io/deployment-name={}", api.name)}}}};
  };
  if (request.method == http::Method::kGet) {
    return http::Response::JsonText(200, scale_of(*md).dump());
  }
  json body = json::parse(request.body, nullptr, false);
  if (!body.is_object() || !body.contains("spec") || !body["spec"].contains("replicas") ||
      !body["spec"]["replicas"].is_number_integer()) {
    return StatusResponse(400, "BadRequest", "the body has no spec.replicas");
  }
  std::string rv = FieldValue(body, "metadata.resourceVersion");
  if (request.method == http::Method::kPut && !rv.empty() &&
      rv != FieldValue(*md, "metadata.resourceVersion")) {
    return StatusResponse(409, "Conflict",
                          fmt::format("Operation cannot be fulfilled on machinedeployments "
                                      "\"{}\": the object has been modified",
                                      api.name));
  }
  json updated = *md;
  updated["spec"]["replicas"] = body["spec"]["replicas"];
  return http::Response::JsonText(
      200, scale_of(s.Put("machinedeployments", std::move(updated), "MODIFIED")).dump());
}

// Usage of a pod's process: CPU seconds and resident bytes (0 without a process).
runtime::ResourceUsage PodUsage(State& s, const std::string& key) {
  auto it = s.pods.find(key);
  if (it == s.pods.end() || it->second.process == nullptr) {
    return {};
  }
  auto usage = runtime::ReadProcessUsage(it->second.process->pid());
  return usage.ok() ? *usage : runtime::ResourceUsage{};
}

json PodMetricsObject(State& s, const json& pod) {
  std::string key = Key(FieldValue(pod, "metadata.namespace"), FieldValue(pod, "metadata.name"));
  runtime::ResourceUsage usage = PodUsage(s, key);
  double seconds = std::max(1e-3, std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                                                s.pods[key].started_real)
                                      .count());
  auto nanocores = static_cast<std::int64_t>(usage.cpu_seconds / seconds * 1e9);
  return {{"kind", "PodMetrics"},
          {"apiVersion", "metrics.k8s.io/v1beta1"},
          {"metadata",
           {{"name", FieldValue(pod, "metadata.name")},
            {"namespace", FieldValue(pod, "metadata.namespace")}}},
          {"timestamp", s.Now()},
          {"window", "15s"},
          {"containers",
           {{{"name", "model"},
             {"usage",
              {{"cpu", fmt::format("{}n", nanocores)},
               {"memory", fmt::format("{}Ki", usage.memory_bytes / 1024)}}}}}}};
}

bool HasMetrics(State& s, const json& pod) {
  std::string key = Key(FieldValue(pod, "metadata.namespace"), FieldValue(pod, "metadata.name"));
  auto it = s.pods.find(key);
  return it != s.pods.end() && it->second.process != nullptr &&
         FieldValue(pod, "status.phase") == "Running";
}

http::Response Metrics(State& s, const ApiPath& api) {
  if (api.resource == "pods") {
    if (!api.name.empty()) {
      json* pod = s.Find("pods", Key(api.ns, api.name));
      if (pod == nullptr || !HasMetrics(s, *pod)) {
        return NotFound("pods.metrics.k8s.io", api.name);
      }
      return http::Response::JsonText(200, PodMetricsObject(s, *pod).dump());
    }
    json list = {{"kind", "PodMetricsList"},
                 {"apiVersion", "metrics.k8s.io/v1beta1"},
                 {"metadata", json::object()},
                 {"items", json::array()}};
    for (const auto& [key, pod] : s.objects["pods"]) {
      bool ns_ok = api.ns.empty() || FieldValue(pod, "metadata.namespace") == api.ns;
      if (ns_ok && HasMetrics(s, pod)) {
        list["items"].push_back(PodMetricsObject(s, pod));
      }
    }
    return http::Response::JsonText(200, list.dump());
  }
  return NotFound(api.resource + ".metrics.k8s.io", api.name);
}

http::Response KubeletMetrics(State& s, const std::string& node) {
  std::string text =
      "# HELP pod_cpu_usage_seconds_total Cumulative cpu time consumed by the pod in core-seconds\n"
      "# TYPE pod_cpu_usage_seconds_total counter\n";
  std::int64_t ms = s.clock.NowMicros() / 1000;
  for (const auto& [key, pod] : s.objects["pods"]) {
    if (FieldValue(pod, "spec.nodeName") != node || !HasMetrics(s, pod)) {
      continue;
    }
    runtime::ResourceUsage usage = PodUsage(s, key);
    std::string labels =
        fmt::format("namespace=\"{}\",pod=\"{}\"", FieldValue(pod, "metadata.namespace"),
                    FieldValue(pod, "metadata.name"));
    text += fmt::format("pod_cpu_usage_seconds_total{{{}}} {} {}\n", labels, usage.cpu_seconds, ms);
    text += fmt::format("pod_memory_working_set_bytes{{{}}} {:e} {}\n", labels,
                        static_cast<double>(usage.memory_bytes), ms);
  }
  return http::Response::Text(200, text, "text/plain; version=0.0.4");
}

http::Response Logs(State& s, const ApiPath& api, const std::string& key) {
  json* pod = s.Find("pods", key);
  if (pod == nullptr) {
    return NotFound("pods", api.name);
  }
  if (FieldValue(*pod, "status.phase") == "Pending") {
    return StatusResponse(400, "BadRequest",
                          fmt::format("container \"model\" in pod \"{}\" is waiting to start: "
                                      "ContainerCreating",
                                      api.name));
  }
  std::ifstream in(std::filesystem::path(s.options.work_dir) / (api.ns + "_" + api.name + ".log"));
  std::stringstream text;
  text << in.rdbuf();
  return http::Response::Text(200, text.str());
}

http::Response Subresource(State& s,
                           const ApiPath& api,
                           const std::string& key,
                           const http::Request& request) {
  if (api.resource == "pods" && api.sub == "eviction" && request.method == http::Method::kPost) {
    return Evict(s, api, key);
  }
  if (api.resource == "pods" && api.sub == "log" && request.method == http::Method::kGet) {
    return Logs(s, api, key);
  }
  if (api.resource == "machinedeployments" && api.sub == "scale") {
    return Scale(s, api, key, request);
  }
  if (api.resource == "nodes" && api.sub == "proxy/metrics/resource") {
    return KubeletMetrics(s, api.name);
  }
  return StatusResponse(404, "NotFound",
                        fmt::format("the server could not find the requested "
                                    "resource ({})",
                                    api.sub));
}

std::optional<http::Response> Gate(State& s, const http::Request& request) {
  ++s.api_calls;
  std::lock_guard<std::mutex> lock(s.mu);
  s.request_log.push_back(fmt::format("{} {}", http::MethodName(request.method), request.path));
  if (s.request_log.size() > kRequestLogLimit) {
    s.request_log.pop_front();
  }
  if (request.Header("Authorization").value_or("") != "Bearer " + s.token) {
    return StatusResponse(401, "Unauthorized", "Unauthorized");
  }
  if (s.throttle_left > 0) {
    --s.throttle_left;
    http::Response response =
        StatusResponse(429, "TooManyRequests", "Too many requests, please try again later.");
    response.headers.Set("Retry-After", std::to_string(s.throttle_retry_after));
    return response;
  }
  return std::nullopt;
}

// `GET /apis/karpenter.sh`: the APIGroup discovery document, or 404 without Karpenter.
http::Response KarpenterGroup(State& s) {
  if (!s.karpenter) {
    return StatusResponse(404, "NotFound", "the server could not find the requested resource");
  }
  json version = {{"groupVersion", "karpenter.sh/v1"}, {"version", "v1"}};
  json group = {{"kind", "APIGroup"},
                {"apiVersion", "v1"},
                {"name", "karpenter.sh"},
                {"versions", json::array({version})},
                {"preferredVersion", version}};
  return http::Response::JsonText(200, group.dump());
}

http::Response Serve(const StatePtr& state, http::Request& request) {
  std::string_view path = request.path;
  if (path == "/apis/karpenter.sh" || path == "/apis/karpenter.sh/") {
    std::lock_guard<std::mutex> lock(state->mu);
    return KarpenterGroup(*state);
  }
  auto api = ParsePath(request.path);
  const ResourceInfo* info = api.has_value() ? FindResource(api->resource) : nullptr;
  if (api.has_value() && api->group == "karpenter.sh" && !state->karpenter) {
    info = nullptr;  // the CRDs are not installed
  }
  if (api.has_value() && api->group == "metrics.k8s.io") {
    std::lock_guard<std::mutex> lock(state->mu);
    return Metrics(*state, *api);
  }
  if (info == nullptr) {
    return StatusResponse(404, "NotFound", "the server could not find the requested resource");
  }
  std::string key = Key(info->namespaced ? api->ns : "", api->name);
  if (api->name.empty()) {
    if (request.method == http::Method::kGet) {
      return List(state, *api, *info, request);
    }
    if (request.method == http::Method::kPost) {
      std::lock_guard<std::mutex> lock(state->mu);
      return Create(*state, *api, *info, json::parse(request.body, nullptr, false));
    }
    return StatusResponse(405, "MethodNotAllowed", "the server does not allow this method");
  }
  std::lock_guard<std::mutex> lock(state->mu);
  if (!api->sub.empty()) {
    return Subresource(*state, *api, key, request);
  }
  switch (request.method) {
    case http::Method::kGet: {
      json* object = state->Find(api->resource, key);
      return object == nullptr ? NotFound(api->resource, api->name)
                               : http::Response::JsonText(200, object->dump());
    }
    case http::Method::kPut:
      return Update(*state, *api, key, json::parse(request.body, nullptr, false));
    case http::Method::kPatch:
      return Patch(*state, *api, *info, key, request);
    case http::Method::kDelete:
      return DeleteObject(*state, *api, key, request);
    default:
      return StatusResponse(405, "MethodNotAllowed", "the server does not allow this method");
  }
}

// ---------------------------------------------------------------------------------------------
// Injected bad answers

bool IsWatch(const http::Request& request, const std::optional<ApiPath>& api) {
  std::string watch = Query(request, "watch");
  return request.method == http::Method::kGet && api.has_value() && api->name.empty() &&
         (watch == "true" || watch == "1");
}

// The fault of the first rule that matches `request`, consuming one of its calls.
std::optional<ResponseFault> TakeFault(State& s, const http::Request& request) {
  auto api = ParsePath(request.path);
  bool watch = IsWatch(request, api);
  std::lock_guard<std::mutex> lock(s.mu);
  for (FaultRule& rule : s.faults) {
    bool method_ok =
        rule.route.method.empty() || rule.route.method == http::MethodName(request.method);
    bool matches = rule.left > 0 && api.has_value() && api->resource == rule.route.resource &&
                   method_ok && rule.route.watch == watch;
    if (matches) {
      --rule.left;
      ++s.faults_served;
      return rule.fault;
    }
  }
  return std::nullopt;
}

// Fields, a condition and a container-status member that no API version defines.
void AddUnknownFields(json& object) {
  if (!object.is_object()) {
    return;
  }
  object["simFutureField"] = {{"nested", {1, 2, 3}}, {"text", "not in any schema"}};
  if (object.contains("metadata") && object["metadata"].is_object()) {
    object["metadata"]["simFutureMeta"] = {{"a", nullptr}};
  }
  if (object.contains("spec") && object["spec"].is_object()) {
    object["spec"]["simFutureSpec"] = json::array({true, "x"});
  }
  if (object.contains("status") && object["status"].is_object()) {
    json& status = object["status"];
    status["simFutureStatus"] = 7.5;
    if (status.contains("conditions") && status["conditions"].is_array()) {
      status["conditions"].push_back(
          {{"type", "SimFutureCondition"}, {"status", "True"}, {"simExtra", 1}});
    }
    if (status.contains("containerStatuses") && status["containerStatuses"].is_array()) {
      for (json& container : status["containerStatuses"]) {
        container["simFutureMember"] = {{"k", "v"}};
      }
    }
  }
  if (object.contains("items") && object["items"].is_array()) {
    for (json& item : object["items"]) {
      AddUnknownFields(item);
    }
  }
}

// A watch event line, or any JSON document, with unknown fields added; other text unchanged.
std::string WithUnknownFields(std::string_view text) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return std::string(text);
  }
  if (doc.contains("type") && doc.contains("object")) {
    doc["simFutureEventField"] = "x";
    AddUnknownFields(doc["object"]);
  } else {
    AddUnknownFields(doc);
  }
  return doc.dump();
}

// Passes a watch stream through, garbling it (`kMalformedJson`) or decorating each complete
// event line with unknown fields (`kUnknownFields`).
class FaultyStream final : public http::BodyStream {
public:
  FaultyStream(std::shared_ptr<http::BodyStream> inner, ResponseFault fault)
      : inner_(std::move(inner)), fault_(fault) {}

  http::StreamStep Next(std::string& out) override {
    if (fault_ == ResponseFault::kMalformedJson && !garbled_) {
      garbled_ = true;
      out = "{\"type\":\"MODIFIED\",\"object\":{\"kind\":\"Pod\",,\"metadata\":}}\n";
      return http::StreamStep::Data();
    }
    std::string chunk;
    http::StreamStep step = inner_->Next(chunk);
    if (step.kind != http::StreamStep::Kind::kData || fault_ != ResponseFault::kUnknownFields) {
      out = std::move(chunk);
      return step;
    }
    // Whole lines are decorated; a partial line (a cut) is passed on as it is.
    size_t start = 0;
    while (start < chunk.size()) {
      size_t newline = chunk.find('\n', start);
      if (newline == std::string::npos) {
        out += chunk.substr(start);
        break;
      }
      out += WithUnknownFields(std::string_view(chunk).substr(start, newline - start)) + "\n";
      start = newline + 1;
    }
    return step;
  }

  void Cancel() override { inner_->Cancel(); }

private:
  std::shared_ptr<http::BodyStream> inner_;
  ResponseFault fault_;
  bool garbled_ = false;
};

// A watch that never sends a byte of its body: a half-open connection, as the client sees it.
// A watch that sends nothing, until `CutWatchesForTest` cuts it like any other watch.
class StalledStream final : public http::BodyStream {
public:
  explicit StalledStream(StatePtr state)
      : state_(std::move(state)), cut_generation_(state_->cut_generation.load()) {}

  http::StreamStep Next(std::string& out) override {
    if (cancelled_ || state_->stopping || cut_) {
      return http::StreamStep::End();
    }
    if (state_->cut_generation.load() != cut_generation_) {
      out = kHalfEvent;
      cut_ = true;
      return http::StreamStep::Data();
    }
    return http::StreamStep::Wait(std::chrono::milliseconds(50));
  }

  void Cancel() override { cancelled_ = true; }

private:
  StatePtr state_;
  int cut_generation_;
  bool cut_ = false;
  std::atomic<bool> cancelled_{false};
};

http::Response ApplyFault(const StatePtr& state, http::Request& request, ResponseFault fault) {
  switch (fault) {
    case ResponseFault::kInternalError:
      return StatusResponse(500, "InternalError",
                            "an error on the server (\"injected\") has prevented the request "
                            "from succeeding");
    case ResponseFault::kUnavailable: {
      http::Response response = StatusResponse(
          503, "ServiceUnavailable", "the server is currently unable to handle the request");
      response.headers.Set("Retry-After", "1");
      return response;
    }
    case ResponseFault::kStalledWatch: {
      http::Response response;
      response.headers.Set("Content-Type", "application/json");
      response.stream = std::make_shared<StalledStream>(state);
      return response;
    }
    case ResponseFault::kMalformedJson:
    case ResponseFault::kUnknownFields:
      break;
  }
  http::Response response = Serve(state, request);
  if (response.stream != nullptr) {
    response.stream = std::make_shared<FaultyStream>(response.stream, fault);
  } else if (fault == ResponseFault::kMalformedJson) {
    response.body = response.body.size() > 1 ? response.body.substr(0, response.body.size() / 2)
                                             : std::string("{");
  } else {
    response.body = WithUnknownFields(response.body);
  }
  return response;
}

http::Response Dispatch(const StatePtr& state, http::Request& request) {
  if (auto rejected = Gate(*state, request); rejected.has_value()) {
    return *rejected;
  }
  if (auto fault = TakeFault(*state, request); fault.has_value()) {
    return ApplyFault(state, request, *fault);
  }
  return Serve(state, request);
}

}  // namespace

const ResourceInfo* FindResource(const std::string& resource) {
  static const std::map<std::string, ResourceInfo> kResources = {
      {"pods", {"v1", "Pod", true, false}},
      {"nodes", {"v1", "Node", false, false}},
      {"events", {"v1", "Event", true, false}},
      {"poddisruptionbudgets", {"policy/v1", "PodDisruptionBudget", true, false}},
      {"leases", {"coordination.k8s.io/v1", "Lease", true, false}},
      {"machinedeployments", {"cluster.x-k8s.io/v1beta1", "MachineDeployment", true, true}},
      {"machines", {"cluster.x-k8s.io/v1beta1", "Machine", true, true}},
      {"nodepools", {"karpenter.sh/v1", "NodePool", false, true}},
      {"nodeclaims", {"karpenter.sh/v1", "NodeClaim", false, true}},
  };
  auto it = kResources.find(resource);
  return it == kResources.end() ? nullptr : &it->second;
}

void InstallRoutes(const StatePtr& state) {
  http::RouteOptions options;
  options.max_body_bytes = 16 << 20;
  for (http::Method method : {http::Method::kGet, http::Method::kPost, http::Method::kPut,
                              http::Method::kPatch, http::Method::kDelete}) {
    for (const char* pattern : {"/api/{rest*}", "/apis/{rest*}"}) {
      std::weak_ptr<State> weak = state;
      state->router.Add(
          method, pattern,
          [weak](http::Request& request) {
            StatePtr locked = weak.lock();
            if (locked == nullptr) {
              return StatusResponse(503, "ServiceUnavailable", "shutting down");
            }
            return Dispatch(locked, request);
          },
          options);
    }
  }
}

KubeSimulator::State::State(SimulatorOptions options_in, common::ManualClock& clock_in)
    : options(std::move(options_in)), clock(clock_in), token(options.token) {}

std::string KubeSimulator::State::Now() const {
  return common::FormatTimestamp(clock.NowMicros());
}

nlohmann::json& KubeSimulator::State::Put(const std::string& resource,
                                          nlohmann::json object,
                                          const std::string& type) {
  ++revision;
  object["metadata"]["resourceVersion"] = std::to_string(revision);
  std::string key =
      Key(FieldValue(object, "metadata.namespace"), FieldValue(object, "metadata.name"));
  auto& slot = objects[resource][key];
  history.push_back({revision, resource, type, object, type == "ADDED" ? json() : slot});
  while (history.size() > options.history_limit) {
    compacted_revision = history.front().revision;
    history.pop_front();
  }
  slot = std::move(object);
  return slot;
}

void KubeSimulator::State::Remove(const std::string& resource, const std::string& key) {
  auto found = objects[resource].find(key);
  if (found == objects[resource].end()) {
    return;
  }
  ++revision;
  json last = found->second;
  last["metadata"]["resourceVersion"] = std::to_string(revision);
  history.push_back({revision, resource, "DELETED", last, found->second});
  objects[resource].erase(found);
  if (resource == "pods") {
    pods.erase(key);
  }
}

nlohmann::json* KubeSimulator::State::Find(const std::string& resource, const std::string& key) {
  auto& map = objects[resource];
  auto found = map.find(key);
  return found == map.end() ? nullptr : &found->second;
}

void KubeSimulator::State::RecordEvent(const nlohmann::json& object,
                                       const std::string& type,
                                       const std::string& reason,
                                       const std::string& message,
                                       bool new_style) {
  std::string ns = FieldValue(object, "metadata.namespace");
  json event = {{"metadata",
                 {{"name", FieldValue(object, "metadata.name") + "." + common::RandomHexToken(4)},
                  {"namespace", ns}}},
                {"involvedObject",
                 {{"kind", object.value("kind", "")},
                  {"name", FieldValue(object, "metadata.name")},
                  {"namespace", ns},
                  {"uid", FieldValue(object, "metadata.uid")}}},
                {"reason", reason},
                {"message", message},
                {"type", type},
                {"apiVersion", "v1"},
                {"kind", "Event"}};
  if (new_style) {
    event["eventTime"] = Now();
    event["reportingComponent"] = "default-scheduler";
    event["firstTimestamp"] = nullptr;
  } else {
    event["firstTimestamp"] = Now();
    event["lastTimestamp"] = Now();
    event["count"] = 1;
    event["source"] = {{"component", "kubelet"}};
  }
  Put("events", std::move(event), "ADDED");
}

KubeSimulator::KubeSimulator(SimulatorOptions options, common::ManualClock& clock)
    : state_(std::make_shared<State>(std::move(options), clock)) {
  InstallRoutes(state_);
}

KubeSimulator::~KubeSimulator() {
  Stop();
}

absl::Status KubeSimulator::Start() {
  // Test processes run side by side: each keeps its container logs apart.
  state_->options.work_dir =
      (std::filesystem::path(state_->options.work_dir) / std::to_string(::getpid())).string();
  std::filesystem::create_directories(state_->options.work_dir);
  http::ServerOptions options;
  options.port = 0;
  options.worker_threads = 8;
  options.io_timeout = std::chrono::hours(1);
  options.idle_timeout = std::chrono::hours(1);
  options.shutdown_grace = std::chrono::milliseconds(200);
  state_->server = std::make_unique<http::Server>(options, state_->router, nullptr);
  absl::Status started = state_->server->Start();
  if (!started.ok()) {
    return started;
  }
  state_->controller = std::thread([state = state_] {
    while (!state->stopping) {
      state->Tick();
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  return absl::OkStatus();
}

void KubeSimulator::Stop() {
  state_->stopping = true;
  if (state_->controller.joinable()) {
    state_->controller.join();
  }
  if (state_->server != nullptr) {
    state_->server->Stop();
    state_->server.reset();
  }
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->pods.clear();
}

std::string KubeSimulator::url() const {
  return fmt::format("http://127.0.0.1:{}", state_->server->port());
}

void KubeSimulator::AddNode(const std::string& name,
                            std::int64_t cpu_millicores,
                            std::int64_t memory_mb,
                            const std::map<std::string, std::string>& labels) {
  json node_labels = {{"kubernetes.io/hostname", name}};
  for (const auto& [key, value] : labels) {
    node_labels[key] = value;
  }
  json resources = {{"cpu", fmt::format("{}m", cpu_millicores)},
                    {"memory", fmt::format("{}Mi", memory_mb)},
                    {"pods", "110"}};
  std::lock_guard<std::mutex> lock(state_->mu);
  json node = {
      {"apiVersion", "v1"},
      {"kind", "Node"},
      {"metadata",
       {{"name", name},
        {"labels", node_labels},
        {"uid", common::NewUuid()},
        {"annotations", json::object()},
        {"creationTimestamp", state_->Now()}}},
      {"spec", {{"providerID", "sim://" + name}}},
      {"status",
       {{"capacity", resources},
        {"allocatable", resources},
        {"conditions", {{{"type", "Ready"}, {"status", "True"}, {"reason", "KubeletReady"}}}}}}};
  state_->Put("nodes", std::move(node), "ADDED");
}

void KubeSimulator::AddMachineDeployment(const std::string& ns,
                                         const std::string& name,
                                         int replicas,
                                         std::int64_t node_cpu_millicores,
                                         std::int64_t node_memory_mb,
                                         int provisioning_seconds,
                                         bool autoscaler_managed) {
  json annotations = {
      {"capacity.cluster-autoscaler.kubernetes.io/cpu", fmt::format("{}m", node_cpu_millicores)},
      {"capacity.cluster-autoscaler.kubernetes.io/memory", fmt::format("{}Mi", node_memory_mb)},
      {"sim.ersilia.io/provisioning-seconds", std::to_string(provisioning_seconds)}};
  if (autoscaler_managed) {
    annotations["cluster.x-k8s.io/cluster-api-autoscaler-node-group-min-size"] = "0";
    annotations["cluster.x-k8s.io/cluster-api-autoscaler-node-group-max-size"] = "10";
  }
  json md = {{"metadata", {{"name", name}, {"annotations", annotations}}},
             {"spec", {{"replicas", replicas}, {"clusterName", "sim"}}},
             {"status", {{"replicas", 0}, {"readyReplicas", 0}}}};
  md["metadata"]["namespace"] = ns;
  absl::Status created = CreateForTest("machinedeployments", md);
  (void)created;  // a duplicate name keeps the existing deployment
}

void KubeSimulator::InstallKarpenter(const std::string& nodepool) {
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->karpenter = true;
  }
  json requirement = {{"key", "karpenter.sh/capacity-type"},
                      {"operator", "In"},
                      {"values", json::array({"on-demand"})}};
  json pool = {
      {"metadata", {{"name", nodepool}}},
      {"spec",
       {{"template",
         {{"spec",
           {{"nodeClassRef",
             {{"group", "karpenter.k8s.aws"}, {"kind", "EC2NodeClass"}, {"name", "default"}}},
            {"requirements", json::array({requirement})},
            {"expireAfter", "720h"}}}}},
        {"limits", {{"cpu", "1000"}, {"memory", "1000Gi"}}},
        {"disruption",
         {{"consolidationPolicy", "WhenEmptyOrUnderutilized"},
          {"consolidateAfter", "1m"},
          {"budgets", json::array({{{"nodes", "10%"}}})}}}}},
      {"status",
       {{"resources", {{"cpu", "0"}, {"memory", "0"}, {"nodes", "0"}}},
        {"conditions", json::array({{{"type", "Ready"},
                                     {"status", "True"},
                                     {"reason", "Ready"},
                                     {"lastTransitionTime", state_->Now()}}})}}}};
  absl::Status created = CreateForTest("nodepools", pool);
  (void)created;  // a duplicate name keeps the existing NodePool
}

void KubeSimulator::AddKarpenterNode(const std::string& nodepool,
                                     const std::string& name,
                                     std::int64_t cpu_millicores,
                                     std::int64_t memory_mb) {
  json resources = {{"cpu", fmt::format("{}m", cpu_millicores)},
                    {"memory", fmt::format("{}Mi", memory_mb)},
                    {"pods", "110"}};
  json conditions = json::array();
  for (const char* type : {"Launched", "Registered", "Initialized", "Ready"}) {
    conditions.push_back({{"type", type},
                          {"status", "True"},
                          {"reason", type},
                          {"lastTransitionTime", state_->Now()}});
  }
  json claim = {
      {"metadata",
       {{"name", name},
        {"labels", {{"karpenter.sh/nodepool", nodepool}}},
        {"ownerReferences", json::array({{{"apiVersion", "karpenter.sh/v1"},
                                          {"kind", "NodePool"},
                                          {"name", nodepool},
                                          {"blockOwnerDeletion", true}}})}}},
      {"spec",
       {{"nodeClassRef",
         {{"group", "karpenter.k8s.aws"}, {"kind", "EC2NodeClass"}, {"name", "default"}}},
        {"requirements", json::array()},
        {"resources", {{"requests", {{"cpu", resources["cpu"]}, {"memory", resources["memory"]}}}}},
        {"expireAfter", "720h"}}},
      {"status",
       {{"nodeName", name},
        {"providerID", "sim://" + name},
        {"capacity", resources},
        {"allocatable", resources},
        {"conditions", conditions}}}};
  absl::Status created = CreateForTest("nodeclaims", claim);
  (void)created;
  AddNode(name, cpu_millicores, memory_mb,
          {{"karpenter.sh/nodepool", nodepool},
           {"karpenter.sh/registered", "true"},
           {"karpenter.sh/initialized", "true"}});
}

absl::Status KubeSimulator::CreateForTest(const std::string& resource,
                                          const nlohmann::json& object) {
  const ResourceInfo* info = FindResource(resource);
  if (info == nullptr) {
    return absl::InvalidArgumentError("unknown resource " + resource);
  }
  ApiPath api;
  api.resource = resource;
  api.ns = object.contains("metadata") ? object["metadata"].value("namespace", "") : "";
  std::lock_guard<std::mutex> lock(state_->mu);
  http::Response response = Create(*state_, api, *info, object);
  return response.status == 201 ? absl::OkStatus() : absl::InvalidArgumentError(response.body);
}

nlohmann::json KubeSimulator::GetForTest(const std::string& resource,
                                         const std::string& key) const {
  std::lock_guard<std::mutex> lock(state_->mu);
  json* object = state_->Find(resource, key);
  return object == nullptr ? json() : *object;
}

std::vector<nlohmann::json> KubeSimulator::ListForTest(const std::string& resource) const {
  std::lock_guard<std::mutex> lock(state_->mu);
  std::vector<json> out;
  for (const auto& [key, object] : state_->objects[resource]) {
    out.push_back(object);
  }
  return out;
}

void KubeSimulator::SetImageFault(const std::string& image, ImageFault fault) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->image_faults[image] = fault;
}

void KubeSimulator::KillContainerForTest(const std::string& ns,
                                         const std::string& pod,
                                         int exit_code,
                                         bool oom) {
  std::lock_guard<std::mutex> lock(state_->mu);
  auto it = state_->pods.find(Key(ns, pod));
  json* object = state_->Find("pods", Key(ns, pod));
  if (it == state_->pods.end() || object == nullptr) {
    return;
  }
  it->second.process.reset();
  state_->Terminate(*object, it->second, exit_code, oom ? "OOMKilled" : "Error");
}

void KubeSimulator::EvictByKubeletForTest(const std::string& ns, const std::string& pod) {
  std::lock_guard<std::mutex> lock(state_->mu);
  json* object = state_->Find("pods", Key(ns, pod));
  if (object == nullptr) {
    return;
  }
  state_->pods[Key(ns, pod)].process.reset();
  state_->pods[Key(ns, pod)].stage = PodRuntime::Stage::kTerminated;
  json updated = *object;
  updated["status"]["phase"] = "Failed";
  updated["status"]["reason"] = "Evicted";
  updated["status"]["message"] =
      "The node was low on resource: memory. Threshold quantity: 100Mi, available: 12Mi.";
  updated["status"]["conditions"].push_back({{"type", "DisruptionTarget"},
                                             {"status", "True"},
                                             {"reason", "TerminationByKubelet"},
                                             {"lastTransitionTime", state_->Now()}});
  state_->Put("pods", std::move(updated), "MODIFIED");
}

void KubeSimulator::LoseNodeForTest(const std::string& node) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->LosePods(node);
}

void KubeSimulator::CutWatchesForTest() {
  ++state_->cut_generation;
}

void KubeSimulator::CompactHistoryForTest() {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->history.clear();
  state_->compacted_revision = state_->revision;
}

void KubeSimulator::ThrottleForTest(int count, int retry_after_seconds) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->throttle_left = count;
  state_->throttle_retry_after = retry_after_seconds;
}

void KubeSimulator::InjectFaultForTest(const FaultRoute& route, ResponseFault fault, int count) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->faults.push_back({route, fault, count});
}

int KubeSimulator::faults_served() const {
  return state_->faults_served.load();
}

void KubeSimulator::RotateTokenForTest(const std::string& token) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->token = token;
}

std::int64_t KubeSimulator::api_calls() const {
  return state_->api_calls.load();
}

std::vector<std::string> KubeSimulator::RequestLogForTest() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return {state_->request_log.begin(), state_->request_log.end()};
}

int KubeSimulator::running_processes() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  int count = 0;
  for (const auto& [key, runtime] : state_->pods) {
    count += runtime.process != nullptr ? 1 : 0;
  }
  return count;
}

}  // namespace hub::k8s::sim
