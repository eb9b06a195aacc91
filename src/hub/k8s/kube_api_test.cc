#include "hub/k8s/kube_api.h"

#include <gtest/gtest.h>

namespace hub::k8s {
namespace {

TEST(KubeApiTest, SumsPodMetricsOverContainers) {
  auto object = nlohmann::json::parse(R"({"kind":"PodMetrics","timestamp":"t","containers":[
    {"name":"model","usage":{"cpu":"250123456n","memory":"812340Ki"}},
    {"name":"side","usage":{"cpu":"1m","memory":"1Mi"}}]})");

  auto sample = ParseMetrics(object);

  ASSERT_TRUE(sample.ok()) << sample.status();
  EXPECT_EQ(sample->cpu_millicores, 252);
  EXPECT_EQ(sample->memory_bytes, 812340LL * 1024 + (1 << 20));
}

TEST(KubeApiTest, RejectsMalformedMetrics) {
  auto object = nlohmann::json::parse(R"({"usage":{"cpu":"lots"}})");

  EXPECT_EQ(ParseMetrics(object).status().code(), absl::StatusCode::kDataLoss);
}

TEST(KubeApiTest, ReadsKubeletPodSamples) {
  std::string text =
      "# HELP pod_cpu_usage_seconds_total x\n"
      "pod_cpu_usage_seconds_total{namespace=\"eos\",pod=\"p1\"} 12.5 1700000000000\n"
      "pod_memory_working_set_bytes{namespace=\"eos\",pod=\"p1\"} 9.64734976e+08 1700000000000\n"
      "pod_memory_working_set_bytes{namespace=\"eos\",pod=\"p2\"} 1 1700000000000\n";

  auto sample = ParseKubeletPodSample(text, "eos", "p1");

  ASSERT_TRUE(sample.ok());
  EXPECT_DOUBLE_EQ(sample->cpu_seconds, 12.5);
  EXPECT_EQ(sample->memory_bytes, 964734976);
  EXPECT_EQ(ParseKubeletPodSample(text, "eos", "p3").status().code(), absl::StatusCode::kNotFound);
}

TEST(KubeApiTest, MapsApiStatusObjectsToCodes) {
  auto conflict = ApiErrorStatus(
      409, R"({"kind":"Status","status":"Failure","reason":"Conflict","message":"m","code":409})");
  auto exists = ApiErrorStatus(409, R"({"kind":"Status","reason":"AlreadyExists","code":409})");
  auto expired = ApiErrorStatus(200, R"({"kind":"Status","reason":"Expired","code":410})");

  EXPECT_EQ(conflict.code(), absl::StatusCode::kAborted);
  EXPECT_TRUE(IsConflict(conflict));
  EXPECT_EQ(exists.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_FALSE(IsConflict(exists));
  EXPECT_TRUE(IsExpired(expired));
  EXPECT_EQ(GetApiError(expired)->reason, "Expired");
  EXPECT_EQ(ApiErrorStatus(503, "<html>").code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace hub::k8s
