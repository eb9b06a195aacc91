#include "hub/runtime/model_record.h"

#include <algorithm>

#include "fmt/format.h"
#include "nlohmann/json.hpp"

namespace hub::runtime {
namespace {

using nlohmann::json;

constexpr size_t kMaxTextBytes = size_t{64} * 1024;
constexpr size_t kMaxShortTextBytes = 256;

absl::Status Bad(std::string_view field, std::string_view why) {
  return absl::InvalidArgumentError(fmt::format("details.{} {}", field, why));
}

absl::Status CheckRange(std::string_view field,
                        std::int64_t value,
                        std::int64_t min,
                        std::int64_t max) {
  if (value < min || value > max) {
    return Bad(field, fmt::format("must be between {} and {}, got {}", min, max, value));
  }
  return absl::OkStatus();
}

absl::Status ValidateResources(const ResourceSpec& r) {
  const std::string_view prefix = "k8s_resources.";
  if (absl::Status s =
          CheckRange(fmt::format("{}cpu_request", prefix), r.cpu_request, 1, kMaxCpuMillicores);
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          CheckRange(fmt::format("{}memory_request", prefix), r.memory_request, 1, kMaxMemoryMb);
      !s.ok()) {
    return s;
  }
  if (r.cpu_limit.has_value()) {
    if (absl::Status s =
            CheckRange(fmt::format("{}cpu_limit", prefix), *r.cpu_limit, 1, kMaxCpuMillicores);
        !s.ok()) {
      return s;
    }
    if (*r.cpu_limit < r.cpu_request) {
      return Bad("k8s_resources.cpu_request", fmt::format("({} m) must not exceed cpu_limit ({} m)",
                                                          r.cpu_request, *r.cpu_limit));
    }
  }
  if (r.memory_limit.has_value()) {
    if (absl::Status s =
            CheckRange(fmt::format("{}memory_limit", prefix), *r.memory_limit, 1, kMaxMemoryMb);
        !s.ok()) {
      return s;
    }
    if (*r.memory_limit < r.memory_request) {
      return Bad("k8s_resources.memory_request",
                 fmt::format("({} MB) must not exceed memory_limit ({} MB)", r.memory_request,
                             *r.memory_limit));
    }
  }
  return absl::OkStatus();
}

bool IsHttpUrl(std::string_view url) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (url.size() > scheme.size() && url.substr(0, scheme.size()) == scheme) {
      return url.find_first_of(" \t\r\n") == std::string_view::npos;
    }
  }
  return false;
}

bool IsTagCharacter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

absl::Status ValidateTexts(const ModelDetails& d) {
  if (d.description.size() > kMaxTextBytes) {
    return Bad("description", fmt::format("is longer than {} bytes", kMaxTextBytes));
  }
  if (d.template_version.empty() || d.template_version.size() > kMaxShortTextBytes) {
    return Bad("template_version", "must be a non-empty text of at most 256 bytes");
  }
  if (d.image_tag.empty() || d.image_tag.size() > 128 ||
      !std::all_of(d.image_tag.begin(), d.image_tag.end(), IsTagCharacter)) {
    return Bad("image_tag", "must be 1-128 characters of A-Z a-z 0-9 _ . -");
  }
  return absl::OkStatus();
}

absl::Status ValidateRuntimeFields(const ModelDetails& d) {
  if (d.max_instances == 0 || d.max_instances < -1 || d.max_instances > kMaxInstancesPerModel) {
    return Bad("max_instances", fmt::format("must be -1 (no limit) or between 1 and {}, got {}",
                                            kMaxInstancesPerModel, d.max_instances));
  }
  if (!d.backend.empty() && d.backend != kLocalBackend && d.backend != kUrlBackend &&
      d.backend != kKubernetesBackend) {
    return Bad("backend",
               fmt::format(R"(must be "local", "url" or "kubernetes", got "{}")", d.backend));
  }
  if (d.backend == kUrlBackend && !IsHttpUrl(d.url)) {
    return Bad("url", "must be an http:// or https:// URL when backend is \"url\"");
  }
  if (!d.url.empty() && !IsHttpUrl(d.url)) {
    return Bad("url", "must be an http:// or https:// URL");
  }
  if (absl::Status s = CheckRange("threads", d.threads, 0, kMaxThreadsPerInstance); !s.ok()) {
    return s;
  }
  if (d.idle_timeout_seconds.has_value()) {
    if (absl::Status s =
            CheckRange("idle_timeout_seconds", *d.idle_timeout_seconds, 0, kMaxIdleTimeoutSeconds);
        !s.ok()) {
      return s;
    }
  }
  return CheckRange("chunks_per_instance", d.chunks_per_instance, 1, kMaxChunksPerInstance);
}

// Stored-form readers: DataLoss on a wrong type, the default when absent or null.
absl::Status WrongType(std::string_view key) {
  return absl::DataLossError(fmt::format("stored model details: {} has the wrong type", key));
}

template <typename T>
absl::Status Read(const json& j, const char* key, T& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    return absl::OkStatus();
  }
  try {
    out = it->get<T>();
  } catch (const json::exception&) {
    return WrongType(key);
  }
  return absl::OkStatus();
}

template <typename T>
absl::Status ReadOptional(const json& j, const char* key, std::optional<T>& out) {
  auto it = j.find(key);
  if (it == j.end()) {
    return absl::OkStatus();
  }
  if (it->is_null()) {
    out.reset();
    return absl::OkStatus();
  }
  try {
    out = it->get<T>();
  } catch (const json::exception&) {
    return WrongType(key);
  }
  return absl::OkStatus();
}

json OptionalJson(const std::optional<std::string>& v) {
  return v.has_value() ? json(*v) : json(nullptr);
}

json OptionalJson(const std::optional<std::vector<std::string>>& v) {
  return v.has_value() ? json(*v) : json(nullptr);
}

json OptionalJson(const std::optional<std::int64_t>& v) {
  return v.has_value() ? json(*v) : json(nullptr);
}

json IdentificationToStored(const IdentificationDetails& d) {
  return {{"description", OptionalJson(d.description)},
          {"title", OptionalJson(d.title)},
          {"interpretation", OptionalJson(d.interpretation)},
          {"slug", OptionalJson(d.slug)},
          {"sourceCode", OptionalJson(d.source_code)},
          {"publication", OptionalJson(d.publication)},
          {"targetOrganisms", OptionalJson(d.target_organisms)},
          {"biomedicalAreas", OptionalJson(d.biomedical_areas)}};
}

absl::StatusOr<IdentificationDetails> IdentificationFromStored(const json& j) {
  if (!j.is_object()) {
    return WrongType("identificationDetails");
  }
  IdentificationDetails d;
  for (absl::Status s :
       {ReadOptional(j, "description", d.description), ReadOptional(j, "title", d.title),
        ReadOptional(j, "interpretation", d.interpretation), ReadOptional(j, "slug", d.slug),
        ReadOptional(j, "sourceCode", d.source_code), ReadOptional(j, "publication", d.publication),
        ReadOptional(j, "targetOrganisms", d.target_organisms),
        ReadOptional(j, "biomedicalAreas", d.biomedical_areas)}) {
    if (!s.ok()) {
      return s;
    }
  }
  return d;
}

absl::Status ResourcesFromStored(const json& j,
                                 std::optional<std::int64_t> size_mb,
                                 ResourceSpec& r) {
  r.memory_limit = size_mb;
  auto it = j.find("k8sResources");
  if (it == j.end() || it->is_null()) {
    return absl::OkStatus();
  }
  if (!it->is_object()) {
    return WrongType("k8sResources");
  }
  for (absl::Status s :
       {Read(*it, "cpuRequest", r.cpu_request), ReadOptional(*it, "cpuLimit", r.cpu_limit),
        Read(*it, "memoryRequest", r.memory_request),
        ReadOptional(*it, "memoryLimit", r.memory_limit)}) {
    if (!s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::Status ModeFromStored(const json& j, ExecutionMode& mode) {
  std::string name = "ASYNC";
  if (absl::Status s = Read(j, "executionMode", name); !s.ok()) {
    return s;
  }
  auto parsed = ParseExecutionMode(name);
  if (!parsed.has_value()) {
    return WrongType("executionMode");
  }
  mode = *parsed;
  return absl::OkStatus();
}

}  // namespace

std::string_view ExecutionModeName(ExecutionMode mode) {
  return mode == ExecutionMode::kSync ? "SYNC" : "ASYNC";
}

std::optional<ExecutionMode> ParseExecutionMode(std::string_view name) {
  if (name == "SYNC") {
    return ExecutionMode::kSync;
  }
  if (name == "ASYNC") {
    return ExecutionMode::kAsync;
  }
  return std::nullopt;
}

std::int64_t ReservedMemoryMb(const ModelDetails& details) {
  const ResourceSpec& r = details.resources;
  if (r.memory_limit.has_value() && !details.disable_memory_limit) {
    return *r.memory_limit;
  }
  return r.memory_request;
}

std::string EffectiveBackend(const ModelDetails& details, std::string_view default_backend) {
  return details.backend.empty() ? std::string(default_backend) : details.backend;
}

absl::Status ValidateModelId(std::string_view id) {
  auto ok_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  };
  bool ok = !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), ok_char) &&
            id[0] != '_' && id[0] != '-';
  if (!ok) {
    return absl::InvalidArgumentError(
        "model id must be 1-64 characters of a-z 0-9 _ -, starting with a letter or digit");
  }
  return absl::OkStatus();
}

absl::Status ValidateModelDetails(const ModelDetails& details) {
  if (absl::Status s = ValidateResources(details.resources); !s.ok()) {
    return s;
  }
  if (absl::Status s = ValidateTexts(details); !s.ok()) {
    return s;
  }
  return ValidateRuntimeFields(details);
}

std::string DetailsToStoredJson(const ModelDetails& d) {
  const ResourceSpec& r = d.resources;
  json j = {
      {"templateVersion", d.template_version},
      {"description", d.description},
      {"sizeMegabytes", OptionalJson(r.memory_limit)},
      {"disableMemoryLimit", d.disable_memory_limit},
      {"maxInstances", d.max_instances},
      {"executionMode", ExecutionModeName(d.execution_mode)},
      {"k8sResources",
       {{"cpuRequest", r.cpu_request},
        {"cpuLimit", OptionalJson(r.cpu_limit)},
        {"memoryRequest", r.memory_request},
        {"memoryLimit", OptionalJson(r.memory_limit)}}},
      {"imageTag", d.image_tag},
      {"cacheEnabled", d.cache_enabled},
      {"identificationDetails",
       d.identification.has_value() ? IdentificationToStored(*d.identification) : json(nullptr)},
      {"backend", d.backend},
      {"url", d.url},
      {"threads", d.threads},
      {"idleTimeoutSeconds", OptionalJson(d.idle_timeout_seconds)},
      {"chunksPerInstance", d.chunks_per_instance}};
  return j.dump();
}

absl::StatusOr<ModelDetails> DetailsFromStoredJson(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::DataLossError("stored model details are not a JSON object");
  }
  ModelDetails d;
  std::optional<std::int64_t> size_mb;
  for (absl::Status s :
       {Read(j, "templateVersion", d.template_version), Read(j, "description", d.description),
        ReadOptional(j, "sizeMegabytes", size_mb),
        Read(j, "disableMemoryLimit", d.disable_memory_limit),
        Read(j, "maxInstances", d.max_instances), ModeFromStored(j, d.execution_mode),
        Read(j, "imageTag", d.image_tag), Read(j, "cacheEnabled", d.cache_enabled),
        Read(j, "backend", d.backend), Read(j, "url", d.url), Read(j, "threads", d.threads),
        ReadOptional(j, "idleTimeoutSeconds", d.idle_timeout_seconds),
        Read(j, "chunksPerInstance", d.chunks_per_instance)}) {
    if (!s.ok()) {
      return s;
    }
  }
  if (absl::Status s = ResourcesFromStored(j, size_mb, d.resources); !s.ok()) {
    return s;
  }
  auto ident = j.find("identificationDetails");
  if (ident != j.end() && !ident->is_null()) {
    auto parsed = IdentificationFromStored(*ident);
    if (!parsed.ok()) {
      return parsed.status();
    }
    d.identification = std::move(*parsed);
  }
  return d;
}

}  // namespace hub::runtime
