#include "hub/cli/config.h"

#include <fstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

#include "hub/cli/commands.h"
#include "hub/cli/hub_app.h"

namespace hub::cli {
namespace {

TEST(ConfigTest, DefaultsAreTheEmbeddedSingleMachineSetup) {
  auto config = LoadConfig(ConfigFlags());

  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->http.host, "127.0.0.1");
  EXPECT_EQ(config->http.port, 8080);
  EXPECT_EQ(config->database.backend, "sqlite");
  EXPECT_EQ(config->database.sqlite_path, "./var/hub.db");
}

TEST(ConfigTest, FlagsOverrideAndBadValuesNameTheSetting) {
  ConfigFlags flags;
  flags.port = 9001;
  flags.sets = {"database.schema=Bad-Name"};

  auto config = LoadConfig(flags);

  ASSERT_FALSE(config.ok());
  EXPECT_NE(std::string(config.status().message()).find("database.schema"), std::string::npos);
}

TEST(ConfigTest, UpstreamDatabaseVariablesSelectPostgres) {
  // The test is single-threaded, so changing the environment cannot race.
  setenv("DATABASE_HOST", "db.internal", 1);      // NOLINT(concurrency-mt-unsafe)
  setenv("DATABASE_NAME", "hub", 1);              // NOLINT(concurrency-mt-unsafe)
  setenv("DATABASE_PASSWORD", "it's secret", 1);  // NOLINT(concurrency-mt-unsafe)
  std::string described;

  auto config = LoadConfig(ConfigFlags(), &described);
  unsetenv("DATABASE_HOST");      // NOLINT(concurrency-mt-unsafe)
  unsetenv("DATABASE_NAME");      // NOLINT(concurrency-mt-unsafe)
  unsetenv("DATABASE_PASSWORD");  // NOLINT(concurrency-mt-unsafe)

  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->database.backend, "postgres");
  EXPECT_EQ(PostgresDsn(config->database),
            "host=db.internal port=5432 dbname=hub password='it\\'s secret'");
  EXPECT_EQ(described.find("secret"), std::string::npos);
}

TEST(ConfigTest, PostgresBackendWithoutConnectionIsAnError) {
  ConfigFlags flags;
  flags.sets = {"database.backend=postgres"};

  auto config = LoadConfig(flags);

  EXPECT_FALSE(config.ok());
}

TEST(ConfigTest, KubernetesBackendLoadsTheKubeconfigAndMasksTheToken) {
  std::string path = ::testing::TempDir() + "/config_test_kubeconfig";
  {
    std::ofstream out(path);
    out << "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n"
        << "    server: https://10.0.0.1:6443\nusers:\n- name: u\n  user:\n    token: t\n"
        << "contexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n";
  }
  ConfigFlags flags;
  flags.sets = {"runtime.backend=kubernetes",  "k8s.kubeconfig=" + path,
                "k8s.token=very-secret-token", "k8s.namespace=models",
                "k8s.pod_port=8080",           "k8s.unschedulable_timeout=20m"};
  std::string described;

  auto config = LoadConfig(flags, &described);

  ASSERT_TRUE(config.ok()) << config.status();
  const runtime::KubernetesRuntimeOptions& k = config->runtime.k8s;
  EXPECT_TRUE(k.enabled);
  EXPECT_EQ(k.client.config.server, "https://10.0.0.1:6443");
  EXPECT_EQ(k.client.config.token, "very-secret-token");
  EXPECT_EQ(k.backend.namespace_name, "models");
  EXPECT_EQ(k.backend.pod_port, 8080);
  EXPECT_EQ(k.backend.unschedulable_timeout, std::chrono::minutes(20));
  EXPECT_FALSE(k.backend.node_scaling);
  EXPECT_GE(config->runtime.pool.start_timeout_by_backend.at("kubernetes"),
            std::chrono::minutes(20));
  EXPECT_EQ(described.find("very-secret-token"), std::string::npos);
  EXPECT_NE(described.find("k8s.namespace"), std::string::npos);
}

TEST(ConfigTest, KubernetesSettingsAreValidated) {
  for (std::vector<std::string> sets : std::vector<std::vector<std::string>>{
           {"k8s.namespace=Not_A_Label"},
           {"k8s.pod_port=0"},
           {"k8s.node_scaling.enabled=true"},  // no kubernetes backend
           {"runtime.backend=kubernetes", "k8s.kubeconfig=/nonexistent/kubeconfig"},
           {"runtime.backend=kubernetes", "k8s.kubeconfig=/nonexistent/kubeconfig",
            "k8s.node_scaling.enabled=true"},  // no machine deployment either
       }) {
    ConfigFlags flags;
    flags.sets = sets;

    auto config = LoadConfig(flags);

    EXPECT_FALSE(config.ok()) << sets.back();
  }
}

}  // namespace
}  // namespace hub::cli
