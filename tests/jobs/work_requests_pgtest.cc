// Work requests end to end on the real binary with PostgreSQL, and two hubs sharing one
// database: every chunk is computed once, and when one hub dies the other finishes its work.

#include "tests/integration/postgres_storage.h"
#include "tests/jobs/work_request_fault_tests.h"
#include "tests/jobs/work_request_tests.h"

namespace hub {

INSTANTIATE_TEST_SUITE_P(Postgres, WorkRequestTest, ::testing::Values(Postgres()), HubBackendName);

namespace {

// Two hubs on one database schema and one result directory, as two replicas behind a load
// balancer; each has its own data directory and runtime server id.
class TwoHubsTest : public WorkRequestTest {
protected:
  // Settings of both hubs: small chunks so that both work on every request, leases that a
  // survivor takes over within seconds, instances that outlive the test (their /run counts
  // are read from them).
  std::vector<std::string> SharedSets(const std::string& server_id) const {
    return FastSets({"jobs.results_dir=" + results_dir_, "jobs.chunk_rows=10", "jobs.lease_ttl=3s",
                     "runtime.idle_timeout=1h", "runtime.server_id=" + server_id});
  }

  void StartBoth() {
    results_dir_ = test_support::MakeTempDir("shared-results");
    StartHub(SharedSets("hub-a"));
    test_support::HubProcess::Options options;
    options.args = {"serve", "--port", "0"};
    std::vector<std::string> sets = BaseSets();
    std::vector<std::string> shared = SharedSets("hub-b");
    sets.insert(sets.end(), shared.begin(), shared.end());
    for (const std::string& set : sets) {
      options.args.insert(options.args.end(), {"--set", set});
    }
    storage_->Configure(options);
    options.data_dir = test_support::MakeTempDir("hub-b");
    auto second = test_support::HubProcess::Start(options);
    if (!second.ok()) {
      throw std::runtime_error("hub B did not start: " + std::string(second.status().message()));
    }
    hub_b_ = std::move(*second);
    api_b_ = std::make_unique<test_support::ApiClient>(hub_b_->Url(""));
  }

  // Submits `count` requests of `size` molecules each (consecutive slices of `smiles`),
  // alternately to hub A and hub B; returns their ids.
  std::vector<std::int64_t> SubmitSlices(const std::string& header,
                                         const std::vector<std::string>& smiles,
                                         size_t count,
                                         size_t size) {
    std::vector<std::int64_t> ids;
    for (size_t i = 0; i < count; ++i) {
      auto begin = smiles.begin() + static_cast<std::ptrdiff_t>(i * size);
      nlohmann::json body = {
          {"model_id", "eos3b5e"},
          {"request_payload", {{"entries", std::vector<std::string>(begin, begin + size)}}}};
      auto submitted = (i % 2 == 0 ? api() : *api_b_).Post("/api/work-requests", body, header);
      EXPECT_EQ(submitted.status, 200) << submitted.raw;
      if (submitted.status == 200) {
        ids.push_back(submitted.body["id"]);
      }
    }
    return ids;
  }

  // Every request of `ids` completed (asking `hub`) with the model-server's values for its
  // slice; returns the chunks they were planned in.
  static std::int64_t ExpectAllComputed(test_support::ApiClient& hub,
                                        const std::string& header,
                                        const std::vector<std::int64_t>& ids,
                                        const std::vector<std::string>& smiles,
                                        const std::vector<nlohmann::json>& reference,
                                        size_t size) {
    std::int64_t chunks = 0;
    for (size_t i = 0; i < ids.size(); ++i) {
      nlohmann::json done = WaitFinishedOn(hub, header, ids[i], std::chrono::seconds(60));
      EXPECT_EQ(done["request_status"], "COMPLETED") << done["request_status_reason"];
      const nlohmann::json& planned = done["progress"]["chunks_total"];
      chunks += planned.is_number_integer() ? planned.get<std::int64_t>() : 0;
      auto result = hub.Get(fmt::format("/api/work-requests/{}/result", ids[i]), header);
      EXPECT_EQ(result.status, 200) << result.raw;
      auto at = static_cast<std::ptrdiff_t>(i * size);
      auto end = at + static_cast<std::ptrdiff_t>(size);
      ExpectSameValues(std::vector<std::string>(smiles.begin() + at, smiles.begin() + end),
                       std::vector<nlohmann::json>(reference.begin() + at, reference.begin() + end),
                       result.raw);
    }
    return chunks;
  }

  std::string results_dir_;
  std::unique_ptr<test_support::HubProcess> hub_b_;
  std::unique_ptr<test_support::ApiClient> api_b_;
};

TEST_P(TwoHubsTest, HundredRequestsAreComputedOnceAndASurvivorFinishesADeadHubsWork) {
  StartBoth();
  std::string root = RootHeader();
  std::string header = AnonymousHeader();
  std::vector<std::string> smiles = SharedMolecules(3000);
  std::vector<nlohmann::json> reference = ReferenceModelServer("eos3b5e").Run(smiles);

  // 100 requests of 30 molecules, in 10-molecule chunks, submitted to both hubs.
  std::vector<std::int64_t> ids = SubmitSlices(header, smiles, 100, 30);
  ASSERT_EQ(ids.size(), 100u);
  std::int64_t chunks = ExpectAllComputed(api(), header, ids, smiles, reference, 30);
  double calls_a = InstanceRunCalls(api(), root, "eos3b5e");
  double calls_b = InstanceRunCalls(*api_b_, root, "eos3b5e");
  EXPECT_GE(chunks, 300);
  EXPECT_EQ(calls_a + calls_b, static_cast<double>(chunks)) << "no chunk is computed twice";
  EXPECT_GT(calls_a, 0) << "hub A took part";
  EXPECT_GT(calls_b, 0) << "hub B took part";

  // 10 requests of 300 molecules; hub A is killed once it is computing them.
  ids = SubmitSlices(header, smiles, 10, 300);
  ASSERT_EQ(ids.size(), 10u);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (InstanceRunCalls(api(), root, "eos3b5e") < calls_a + 5 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  auto open = api().Get("/api/work-requests/" + std::to_string(ids.back()), header);
  EXPECT_NE(open.body["request_status"], "COMPLETED") << "hub A was killed too late";
  hub().Kill();

  // Hub B finishes everything, each row exactly once with the model-server's values.
  ExpectAllComputed(*api_b_, header, ids, smiles, reference, 300);
}

INSTANTIATE_TEST_SUITE_P(Postgres, TwoHubsTest, ::testing::Values(Postgres()), HubBackendName);

}  // namespace
}  // namespace hub
