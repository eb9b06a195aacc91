#pragma once

// Where the Kubernetes API is and how to authenticate to it: in-cluster service-account
// files, or a kubeconfig file (no exec plugins or auth providers).
//
// Thread-safety: plain values and pure loaders.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace hub::k8s {

struct KubeConfig {
  // "https://10.0.0.1:443", no trailing slash.
  std::string server;
  // PEM text of the CA that signs the server's certificate; empty: the system store.
  std::string ca_pem;
  // A fixed bearer token, or a file holding one (re-read on rotation); at most one is set.
  std::string token;
  std::string token_file;
  // PEM client certificate and key (kubeconfig client-certificate-data / -key-data).
  std::string client_cert_pem;
  std::string client_key_pem;
  bool insecure_skip_tls_verify = false;
  // The namespace of the context, or of the pod when in cluster; may be empty.
  std::string namespace_name;
};

// The default service-account directory of a pod.
inline constexpr std::string_view kServiceAccountDir =
    "/var/run/secrets/kubernetes.io/serviceaccount";

// In-cluster configuration from `KUBERNETES_SERVICE_HOST`/`_PORT` (passed in, an IPv6 host
// is bracketed) and `<sa_dir>/{token,ca.crt,namespace}`. The token is read from the file on
// each use (`token_file`), so rotation is followed. kFailedPrecondition when the host is
// empty or the token or CA file is missing.
[[nodiscard]] absl::StatusOr<KubeConfig> LoadInCluster(std::string_view host,
                                                       std::string_view port,
                                                       std::string_view sa_dir);

// The current context of the kubeconfig text `yaml`; relative file paths are resolved against
// `base_dir`. `*-data` fields are base64 PEM; `certificate-authority`, `client-certificate`,
// `client-key` and `tokenFile` name files. kInvalidArgument for malformed YAML, a missing
// context, cluster or user, or undecodable data; kUnimplemented for `exec` and
// `auth-provider` users, which need a plugin the hub does not run.
[[nodiscard]] absl::StatusOr<KubeConfig> ParseKubeconfig(std::string_view yaml,
                                                         std::string_view base_dir);

// Reads the file at `path` and parses it as above; kNotFound when it cannot be read.
[[nodiscard]] absl::StatusOr<KubeConfig> LoadKubeconfig(const std::string& path);

// Reads a whole file; kNotFound when it cannot be opened.
[[nodiscard]] absl::StatusOr<std::string> ReadTextFile(const std::string& path);

}  // namespace hub::k8s
