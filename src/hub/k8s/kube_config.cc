#include "hub/k8s/kube_config.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "fmt/format.h"
#include "nlohmann/json.hpp"

#include "hub/common/encoding.h"
#include "hub/common/status_macros.h"
#include "hub/common/strings.h"
#include "hub/common/yaml_json.h"

namespace hub::k8s {
namespace {

namespace fs = std::filesystem;

std::string Resolve(std::string_view base_dir, const std::string& path) {
  fs::path p(path);
  return p.is_absolute() ? path : (fs::path(base_dir) / p).string();
}

// The `section` entry named `name` ("clusters" → its "cluster" object).
absl::StatusOr<nlohmann::json> Named(const nlohmann::json& doc,
                                     const char* section,
                                     const char* inner,
                                     const std::string& name) {
  if (doc.contains(section) && doc[section].is_array()) {
    for (const auto& entry : doc[section]) {
      if (entry.is_object() && entry.value("name", "") == name && entry.contains(inner) &&
          entry[inner].is_object()) {
        return entry[inner];
      }
    }
  }
  return absl::InvalidArgumentError(fmt::format("kubeconfig has no {} named \"{}\"", inner, name));
}

// A PEM field given inline (`<key>-data`, base64) or as a file (`<key>`).
absl::StatusOr<std::string> Pem(const nlohmann::json& object,
                                const std::string& key,
                                std::string_view base_dir) {
  std::string data = object.value(key + "-data", "");
  if (!data.empty()) {
    auto decoded = common::Base64Decode(data);
    if (!decoded.has_value()) {
      return absl::InvalidArgumentError(fmt::format("kubeconfig {}-data is not base64", key));
    }
    return *decoded;
  }
  std::string file = object.value(key, "");
  if (file.empty()) {
    return std::string();
  }
  auto text = ReadTextFile(Resolve(base_dir, file));
  if (!text.ok()) {
    return absl::InvalidArgumentError(text.status().message());
  }
  return *text;
}

absl::Status FillUser(const nlohmann::json& user, std::string_view base_dir, KubeConfig& config) {
  if (user.contains("exec") || user.contains("auth-provider")) {
    return absl::UnimplementedError(
        "kubeconfig user uses an exec plugin or auth provider, which the hub does not run; "
        "give it a static token, a token file or a client certificate");
  }
  config.token = user.value("token", "");
  if (user.contains("tokenFile")) {
    config.token_file = Resolve(base_dir, user.value("tokenFile", ""));
  }
  HUB_ASSIGN_OR_RETURN(config.client_cert_pem, Pem(user, "client-certificate", base_dir));
  HUB_ASSIGN_OR_RETURN(config.client_key_pem, Pem(user, "client-key", base_dir));
  if (config.client_cert_pem.empty() != config.client_key_pem.empty()) {
    return absl::InvalidArgumentError("kubeconfig user has a client certificate without a key");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> ReadTextFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(fmt::format("cannot read {}", path));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

absl::StatusOr<KubeConfig> LoadInCluster(std::string_view host,
                                         std::string_view port,
                                         std::string_view sa_dir) {
  if (host.empty()) {
    return absl::FailedPreconditionError(
        "not running in a cluster: KUBERNETES_SERVICE_HOST is not set");
  }
  KubeConfig config;
  bool ipv6 = host.find(':') != std::string_view::npos;
  config.server = fmt::format("https://{}{}{}:{}", ipv6 ? "[" : "", host, ipv6 ? "]" : "",
                              port.empty() ? "443" : port);
  config.token_file = (fs::path(sa_dir) / "token").string();
  if (!fs::exists(config.token_file)) {
    return absl::FailedPreconditionError(fmt::format("no token at {}", config.token_file));
  }
  auto ca = ReadTextFile((fs::path(sa_dir) / "ca.crt").string());
  if (!ca.ok()) {
    return absl::FailedPreconditionError(ca.status().message());
  }
  config.ca_pem = *ca;
  auto ns = ReadTextFile((fs::path(sa_dir) / "namespace").string());
  if (ns.ok()) {
    config.namespace_name = std::string(common::Trim(*ns));
  }
  return config;
}

absl::StatusOr<KubeConfig> ParseKubeconfig(std::string_view yaml, std::string_view base_dir) {
  auto doc = common::YamlToJson(yaml);
  if (!doc.ok()) {
    std::string message(doc.status().message());
    return absl::InvalidArgumentError(fmt::format("kubeconfig: {}", message));
  }
  std::string current = doc->is_object() ? doc->value("current-context", "") : "";
  if (current.empty()) {
    return absl::InvalidArgumentError("kubeconfig has no current-context");
  }
  HUB_ASSIGN_OR_RETURN(nlohmann::json context, Named(*doc, "contexts", "context", current));
  HUB_ASSIGN_OR_RETURN(nlohmann::json cluster,
                       Named(*doc, "clusters", "cluster", context.value("cluster", "")));
  HUB_ASSIGN_OR_RETURN(nlohmann::json user,
                       Named(*doc, "users", "user", context.value("user", "")));

  KubeConfig config;
  config.server = cluster.value("server", "");
  while (!config.server.empty() && config.server.back() == '/') {
    config.server.pop_back();
  }
  if (config.server.empty()) {
    return absl::InvalidArgumentError("kubeconfig cluster has no server");
  }
  HUB_ASSIGN_OR_RETURN(config.ca_pem, Pem(cluster, "certificate-authority", base_dir));
  config.insecure_skip_tls_verify = cluster.value("insecure-skip-tls-verify", false);
  config.namespace_name = context.value("namespace", "");
  HUB_RETURN_IF_ERROR(FillUser(user, base_dir, config));
  return config;
}

absl::StatusOr<KubeConfig> LoadKubeconfig(const std::string& path) {
  HUB_ASSIGN_OR_RETURN(std::string text, ReadTextFile(path));
  return ParseKubeconfig(text, fs::path(path).parent_path().string());
}

}  // namespace hub::k8s
