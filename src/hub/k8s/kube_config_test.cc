#include "hub/k8s/kube_config.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "hub/common/encoding.h"

namespace hub::k8s {
namespace {

namespace fs = std::filesystem;

std::string Kubeconfig(const std::string& user) {
  return "apiVersion: v1\nkind: Config\ncurrent-context: dev\n"
         "contexts:\n- name: dev\n  context: {cluster: c1, user: u1, namespace: eos}\n"
         "clusters:\n- name: c1\n  cluster:\n    server: https://10.0.0.1:6443/\n"
         "    certificate-authority-data: " +
         common::Base64Encode("CA PEM") + "\nusers:\n- name: u1\n  user:\n" + user;
}

TEST(KubeConfigTest, ReadsServerCaTokenAndNamespace) {
  auto config = ParseKubeconfig(Kubeconfig("    token: abc\n"), "/tmp");

  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->server, "https://10.0.0.1:6443");
  EXPECT_EQ(config->ca_pem, "CA PEM");
  EXPECT_EQ(config->token, "abc");
  EXPECT_EQ(config->namespace_name, "eos");
}

TEST(KubeConfigTest, ReadsClientCertificateData) {
  std::string user = "    client-certificate-data: " + common::Base64Encode("CERT") +
                     "\n    client-key-data: " + common::Base64Encode("KEY") + "\n";

  auto config = ParseKubeconfig(Kubeconfig(user), "/tmp");

  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->client_cert_pem, "CERT");
  EXPECT_EQ(config->client_key_pem, "KEY");
}

TEST(KubeConfigTest, RejectsExecPlugins) {
  auto config = ParseKubeconfig(Kubeconfig("    exec: {command: aws}\n"), "/tmp");

  EXPECT_EQ(config.status().code(), absl::StatusCode::kUnimplemented);
}

TEST(KubeConfigTest, RejectsAMissingContext) {
  auto config = ParseKubeconfig("current-context: nope\ncontexts: []\n", "/tmp");

  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(KubeConfigTest, InClusterUsesTheServiceAccountFiles) {
  fs::path dir = fs::temp_directory_path() / "hub_k8s_sa_test";
  fs::create_directories(dir);
  std::ofstream(dir / "token") << "tok";
  std::ofstream(dir / "ca.crt") << "CA";
  std::ofstream(dir / "namespace") << "eos-models\n";

  auto config = LoadInCluster("fd00::1", "443", dir.string());

  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->server, "https://[fd00::1]:443");
  EXPECT_EQ(config->token_file, (dir / "token").string());
  EXPECT_EQ(config->ca_pem, "CA");
  EXPECT_EQ(config->namespace_name, "eos-models");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace hub::k8s
