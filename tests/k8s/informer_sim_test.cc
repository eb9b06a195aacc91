#include <mutex>
#include <set>

#include <gtest/gtest.h>

#include "hub/k8s/informer.h"
#include "hub/k8s/kube_api.h"

#include "tests/k8s/sim_test_util.h"

namespace hub::k8s::sim {
namespace {

class InformerSimTest : public ::testing::Test {
protected:
  void SetUp() override {
    SimulatorOptions options;
    options.work_dir = "/tmp/hub-k8s-informer-test";
    options.bookmark_interval_ms = 20;
    sim_ = std::make_unique<KubeSimulator>(options, clock_);
    ASSERT_TRUE(sim_->Start().ok());
    client_ = ClientFor(*sim_, clock_);
    InformerOptions informer_options;
    informer_options.path = PodsPath("eos");
    informer_options.label_selector = "app.kubernetes.io/component=model";
    informer_options.backoff_min = std::chrono::milliseconds(10);
    informer_ = std::make_unique<Informer>(*client_, informer_options, [this](const WatchEvent& e) {
      std::lock_guard<std::mutex> lock(mu_);
      std::string name = e.object["metadata"].value("name", "");
      if (e.type == "DELETED") {
        names_.erase(name);
      } else {
        names_.insert(name);
      }
    });
    informer_->Start();
    ASSERT_TRUE(informer_->WaitForSync(std::chrono::seconds(5)));
  }

  void TearDown() override {
    informer_->Stop();
    sim_->Stop();
  }

  bool Sees(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    return names_.count(name) > 0;
  }

  void Create(const std::string& name) {
    ASSERT_TRUE(CreatePod(*client_, "eos", TestPod(name, "ersiliaos/eos3b5e:v1")).ok());
  }

  common::ManualClock clock_{1'700'000'000'000'000};
  std::unique_ptr<KubeSimulator> sim_;
  std::unique_ptr<HttpKubeClient> client_;
  std::unique_ptr<Informer> informer_;
  std::mutex mu_;
  std::set<std::string> names_;
};

TEST_F(InformerSimTest, FollowsCreatesAndDeletes) {
  Create("a");
  ASSERT_TRUE(WaitFor([&] { return Sees("a"); }));

  ASSERT_TRUE(DeletePod(*client_, "eos", "a", "", 0).ok());

  EXPECT_TRUE(WaitFor([&] { return !Sees("a"); }));
  EXPECT_EQ(informer_->relists(), 1);
}

TEST_F(InformerSimTest, ResumesAfterAStreamCutMidEventWithoutRelisting) {
  Create("a");
  ASSERT_TRUE(WaitFor([&] { return Sees("a"); }));

  sim_->CutWatchesForTest();
  Create("b");

  EXPECT_TRUE(WaitFor([&] { return Sees("b"); }));
  EXPECT_EQ(informer_->relists(), 1);
}

TEST_F(InformerSimTest, RelistsAfterExpiryAndMissesNoDelete) {
  Create("a");
  ASSERT_TRUE(WaitFor([&] { return Sees("a"); }));

  // The watch resumed after this cut hangs, so the changes below happen while the informer
  // sees nothing; it must not resume before the history is compacted, or it would see them
  // without relisting.
  sim_->InjectFaultForTest({"pods", "GET", true}, ResponseFault::kStalledWatch, 1);
  sim_->CutWatchesForTest();
  ASSERT_TRUE(WaitFor([&] { return sim_->faults_served() == 1; }));
  ASSERT_TRUE(DeletePod(*client_, "eos", "a", "", 0).ok());
  Create("c");
  sim_->CompactHistoryForTest();
  sim_->CutWatchesForTest();

  EXPECT_TRUE(WaitFor([&] { return Sees("c") && !Sees("a"); }));
  EXPECT_EQ(informer_->relists(), 2);
}

}  // namespace
}  // namespace hub::k8s::sim
