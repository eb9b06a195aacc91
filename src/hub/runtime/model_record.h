#pragma once

// A registered model: what the hub knows about a model it can run. The record is the upstream
// `Model` row (../shared/reference/upstream-server.md §6.1) plus the hub's own additions that
// say how its instances run (backend, URL, threads, idle timeout, chunks per instance).
//
// Two JSON forms exist. The stored form (the `models.details` column) keeps the upstream
// camelCase keys (`templateVersion`, `k8sResources{cpuRequest,...}`, `identificationDetails`,
// the legacy `sizeMegabytes`), so a row copied from an upstream database reads back; the API
// form (snake_case) lives in api/model_json.h. This file owns the stored form and validation,
// which every writer (API, recommendations, catalog import) goes through.
//
// Thread-safety: plain value types and pure functions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "hub/common/clock.h"

namespace hub::runtime {

// How the hub calls the model: `/run` in one request, or `/job/submit` and polling.
enum class ExecutionMode { kSync, kAsync };

// "SYNC" or "ASYNC".
std::string_view ExecutionModeName(ExecutionMode mode);

// Exact upper-case names only; nullopt otherwise.
std::optional<ExecutionMode> ParseExecutionMode(std::string_view name);

// Names of the instance backends a model may use (`ModelDetails::backend`).
inline constexpr std::string_view kLocalBackend = "local";
inline constexpr std::string_view kUrlBackend = "url";
inline constexpr std::string_view kKubernetesBackend = "kubernetes";

// Resources one instance is given: CPU in millicores, memory in MiB (the upstream
// `k8s_resources`). A limit is optional.
struct ResourceSpec {
  std::int64_t cpu_request = 10;
  std::optional<std::int64_t> cpu_limit = 500;
  std::int64_t memory_request = 100;
  std::optional<std::int64_t> memory_limit;

  friend bool operator==(const ResourceSpec&, const ResourceSpec&) = default;
};

// Bounds enforced by `ValidateModelDetails`: anything outside is a typing mistake.
inline constexpr std::int64_t kMaxCpuMillicores = 256'000;  // 256 cores
inline constexpr std::int64_t kMaxMemoryMb = 1'048'576;     // 1 TiB
inline constexpr int kMaxInstancesPerModel = 1000;
inline constexpr int kMaxThreadsPerInstance = 256;
inline constexpr std::int64_t kMaxIdleTimeoutSeconds = std::int64_t{7} * 86'400;
inline constexpr int kMaxChunksPerInstance = 64;

// Descriptive metadata of a model, from the Ersilia catalog or a built-in card. Every field is
// optional, as upstream.
struct IdentificationDetails {
  std::optional<std::string> description;
  std::optional<std::string> title;
  std::optional<std::string> interpretation;
  std::optional<std::string> slug;
  std::optional<std::string> source_code;
  std::optional<std::string> publication;
  std::optional<std::vector<std::string>> target_organisms;
  std::optional<std::vector<std::string>> biomedical_areas;

  friend bool operator==(const IdentificationDetails&, const IdentificationDetails&) = default;
};

struct ModelDetails {
  // Upstream fields.
  std::string template_version = "0.0.0";
  std::string description;
  bool disable_memory_limit = false;
  // Instances of this model at once; -1: no per-model limit (the global cap still applies).
  int max_instances = -1;
  ExecutionMode execution_mode = ExecutionMode::kAsync;
  ResourceSpec resources;
  std::string image_tag = "latest";
  bool cache_enabled = false;
  std::optional<IdentificationDetails> identification;

  // Additions. `backend` empty means the runtime's default backend (`runtime.backend`).
  std::string backend;
  // Base URL of the model server for the `url` backend ("http://host:port").
  std::string url;
  // Compute threads of a local instance; 0: the runtime default.
  int threads = 0;
  // Seconds an idle instance is kept; nullopt: the runtime default.
  std::optional<std::int64_t> idle_timeout_seconds;
  // Chunks one instance runs at once.
  int chunks_per_instance = 1;

  friend bool operator==(const ModelDetails&, const ModelDetails&) = default;
};

struct ModelRecord {
  std::string id;
  bool enabled = true;
  ModelDetails details;
  common::Micros created_at = 0;
  // When the row last changed; also the optimistic-concurrency token of updates.
  common::Micros last_updated = 0;
};

// Memory (MiB) an instance of the model is counted for in the runtime's memory budget: the
// limit when one applies, else the request.
std::int64_t ReservedMemoryMb(const ModelDetails& details);

// The backend that runs the model: `details.backend`, or `default_backend` when empty.
std::string EffectiveBackend(const ModelDetails& details, std::string_view default_backend);

// InvalidArgument unless `id` is 1-64 characters of `a-z 0-9 _ -`, starting with a letter or
// digit (Ersilia ids such as `eos3b5e` qualify).
[[nodiscard]] absl::Status ValidateModelId(std::string_view id);

// InvalidArgument naming the first bad field: negative or absurd resources, a request above
// its limit, max_instances 0 or below -1, an unknown backend, a `url` backend without an
// http(s) URL, threads / idle timeout / chunks out of range, an over-long text field.
[[nodiscard]] absl::Status ValidateModelDetails(const ModelDetails& details);

// The stored (camelCase) JSON of `details`; `sizeMegabytes` is set to the memory limit as
// upstream writes it.
std::string DetailsToStoredJson(const ModelDetails& details);

// Parses the stored form `text`. Fields missing in older rows get the upstream defaults
// (executionMode ASYNC, imageTag latest, cacheEnabled false, k8sResources cpu 10/500 memory
// 100/sizeMegabytes). DataLoss when the text is not a JSON object or a field has the wrong
// type.
[[nodiscard]] absl::StatusOr<ModelDetails> DetailsFromStoredJson(std::string_view text);

}  // namespace hub::runtime
