#pragma once

// Work requests whose model fails under them, on the real binary: a model-server process
// killed in the middle of a chunk, and a model that fails on one molecule. Instantiated with
// the other `WorkRequestTest` bodies on SQLite and PostgreSQL.

#include <signal.h>
#include <sys/types.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/jobs/poison_model_server.h"
#include "tests/jobs/work_request_tests.h"

namespace hub {

TEST_P(WorkRequestTest, InstanceKilledMidChunkStillCompletesEveryRow) {
  // A crashed instance is replaced after a short pause, not the default 10 s.
  StartHub(FastSets({"jobs.chunk_rows=1000", "jobs.workers=1", "runtime.backoff_initial=200ms"}));
  std::string root = RootHeader();
  std::string key = AnonymousHeader();
  std::vector<std::string> smiles = SharedMolecules(10'000);
  auto submitted = SubmitCsv(key, "model_id=eos3b5e&has_header=true", CsvOf(smiles));
  ASSERT_EQ(submitted.status, 200) << submitted.raw;
  std::int64_t id = submitted.body["id"];

  // kill -9 instances while they hold a chunk, until the hub has seen a chunk crash (a kill
  // can land just after the model answered, which is no crash of a chunk).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(40);
  int kills = 0;
  while (ChunksWithOutcome("eos3b5e", "crash") == 0 && kills < 10 &&
         std::chrono::steady_clock::now() < deadline) {
    std::optional<pid_t> pid = BusyInstancePid(api(), root, "eos3b5e");
    if (!pid.has_value()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      continue;
    }
    ASSERT_EQ(::kill(*pid, SIGKILL), 0) << *pid;
    ++kills;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_GE(ChunksWithOutcome("eos3b5e", "crash"), 1) << kills << " kills hit no chunk";

  nlohmann::json done = WaitFinished(key, id);
  ASSERT_EQ(done["request_status"], "COMPLETED") << done["request_status_reason"];
  EXPECT_EQ(done["progress"]["molecules_failed"], 0) << done["progress"];
  ExpectSameValues(smiles, ReferenceModelServer("eos3b5e").Run(smiles), Result(key, id));
}

TEST_P(WorkRequestTest, PoisonMoleculeFailsAloneWithARowError) {
  std::vector<std::string> smiles = SharedMolecules(40);
  const std::string poison = smiles[17];
  PoisonModelServer model(poison);
  StartHub(FastSets({"jobs.chunk_rows=40"}));
  nlohmann::json details = {{"description", "fails on one molecule"},
                            {"execution_mode", "SYNC"},
                            {"backend", "url"},
                            {"url", model.Url()}};
  auto created = api().Post(
      "/api/models", {{"id", "eos0psn"}, {"enabled", true}, {"details", details}}, RootHeader());
  ASSERT_LT(created.status, 300) << created.raw;
  std::string key = AnonymousHeader();

  auto submitted = SubmitEntries(key, "eos0psn", smiles);
  ASSERT_EQ(submitted.status, 200) << submitted.raw;
  nlohmann::json done = WaitFinished(key, submitted.body["id"]);

  ASSERT_EQ(done["request_status"], "COMPLETED") << done["request_status_reason"];
  EXPECT_EQ(done["progress"]["molecules_failed"], 1) << done["progress"];
  nlohmann::json rows = nlohmann::json::parse(Result(key, done["id"], "format=json"));
  ASSERT_EQ(rows.size(), smiles.size()) << rows.dump();
  for (size_t i = 0; i < smiles.size(); ++i) {
    const nlohmann::json& row = rows[i];
    EXPECT_EQ(row["input"], smiles[i]) << i;
    if (smiles[i] == poison) {
      EXPECT_TRUE(row["length"].is_null()) << row.dump();
      ASSERT_TRUE(row["error"].is_string()) << row.dump();
      EXPECT_NE(row["error"].get<std::string>().find("model_error"), std::string::npos)
          << row.dump();
    } else {
      EXPECT_EQ(row["length"], PoisonModelServer::RowFor(smiles[i])["length"]) << row.dump();
      EXPECT_TRUE(row["error"].is_null()) << row.dump();
    }
  }
  // The failing chunk was halved until the poison failed alone.
  std::vector<size_t> poisoned = model.PoisonedBatches();
  ASSERT_FALSE(poisoned.empty());
  EXPECT_EQ(poisoned.front(), smiles.size());
  EXPECT_EQ(poisoned.back(), 1u);
}

TEST_P(WorkRequestTest, RowsPastTheFirstChunkAreCheckedBeforeTheModelSeesThem) {
  // Intake checks its first 2,048 rows; later new inputs are checked by their chunk.
  PoisonModelServer model("no such molecule");
  StartHub(FastSets({"jobs.chunk_rows=100"}));
  nlohmann::json details = {{"description", "counts its inputs"},
                            {"execution_mode", "SYNC"},
                            {"backend", "url"},
                            {"url", model.Url()}};
  auto created = api().Post(
      "/api/models", {{"id", "eos0cnt"}, {"enabled", true}, {"details", details}}, RootHeader());
  ASSERT_LT(created.status, 300) << created.raw;
  std::string key = AnonymousHeader();
  std::vector<std::string> smiles = SharedMolecules(3000);
  std::vector<std::string> invalid;
  for (size_t i : {2100, 2101, 2500, 2999}) {
    smiles[i] = fmt::format("not{}(", i);
    invalid.push_back(smiles[i]);
  }

  auto submitted = SubmitEntries(key, "eos0cnt", smiles);
  ASSERT_EQ(submitted.status, 200) << submitted.raw;
  nlohmann::json done = WaitFinished(key, submitted.body["id"]);
  auto small = SubmitEntries(key, "eos0cnt", {"CCO", invalid[0]});
  ASSERT_EQ(small.status, 200) << small.raw;
  WaitFinished(key, small.body["id"]);

  // The counts are those of rows rejected at intake, and the model saw none of them.
  ASSERT_EQ(done["request_status"], "COMPLETED") << done["request_status_reason"];
  std::set<std::string> distinct(smiles.begin(), smiles.end());
  auto valid = static_cast<std::int64_t>(distinct.size() - invalid.size());
  EXPECT_EQ(done["progress"]["rows_total"], 3000);
  EXPECT_EQ(done["progress"]["rows_invalid"], 4);
  EXPECT_EQ(done["progress"]["molecules_total"], valid);
  EXPECT_EQ(done["progress"]["molecules_done"], valid);
  EXPECT_EQ(done["progress"]["molecules_failed"], 0);
  std::vector<std::string> inputs = model.Inputs();
  EXPECT_EQ(inputs.size(), static_cast<size_t>(valid) + 1) << "and CCO of the small request";
  for (const std::string& input : invalid) {
    EXPECT_EQ(std::count(inputs.begin(), inputs.end(), input), 0) << input;
  }
  // In input order, with the reason and the row shape of an intake rejection.
  nlohmann::json rows = nlohmann::json::parse(Result(key, done["id"], "format=json"));
  nlohmann::json checked = nlohmann::json::parse(Result(key, small.body["id"], "format=json"));
  ASSERT_EQ(rows.size(), smiles.size());
  for (size_t i = 0; i < smiles.size(); ++i) {
    EXPECT_EQ(rows[i]["input"], smiles[i]) << i;
  }
  EXPECT_EQ(rows[2100], checked[1]);
  EXPECT_NE(rows[2999]["error"].get<std::string>().find("invalid_smiles"), std::string::npos);
  std::string csv = Result(key, done["id"], "errors=true");
  std::string small_csv = Result(key, small.body["id"], "errors=true");
  EXPECT_EQ(CsvRows(csv)[2101], CsvRows(small_csv)[2]);
}

TEST_P(WorkRequestTest, LargeInputsWithoutValidRowsOrWithOnlyTheLastOne) {
  StartHub(FastSets({"jobs.chunk_rows=100"}));
  std::string key = AnonymousHeader();
  std::vector<std::string> bad;
  for (int i = 0; i < 3000; ++i) {
    bad.push_back(fmt::format("bad{}(", i));
  }

  auto none = SubmitEntries(key, "eos3b5e", bad);
  bad.emplace_back("CCO");
  auto last = SubmitEntries(key, "eos3b5e", bad);

  EXPECT_EQ(none.status, 400) << none.raw;
  EXPECT_NE(none.Detail().find("row 1 ('bad0(')"), std::string::npos) << none.raw;
  ASSERT_EQ(last.status, 200) << last.raw;
  nlohmann::json done = WaitFinished(key, last.body["id"]);
  ASSERT_EQ(done["request_status"], "COMPLETED") << done["request_status_reason"];
  EXPECT_EQ(done["progress"]["rows_invalid"], 3000);
  EXPECT_EQ(done["progress"]["molecules_done"], 1);
  std::vector<std::vector<std::string>> rows = CsvRows(Result(key, last.body["id"]));
  ASSERT_EQ(rows.size(), 3002u);
  EXPECT_EQ(rows[3001][1], "CCO");
  EXPECT_EQ(rows[3001][2], "46.069");
}

TEST_P(WorkRequestTest, AModelWithoutJobRoutesRunsThroughRunEvenWhenDeclaredAsync) {
  // Registered without an execution mode (ASYNC by default), served by a plain `/run` server
  // such as `ersilia serve`: the hub falls back to `/run` instead of failing every row.
  PoisonModelServer model("no such molecule");
  StartHub(FastSets({"jobs.chunk_rows=10"}));
  nlohmann::json details = {
      {"description", "serves /run only"}, {"backend", "url"}, {"url", model.Url()}};
  auto created = api().Post(
      "/api/models", {{"id", "eos0run"}, {"enabled", true}, {"details", details}}, RootHeader());
  ASSERT_LT(created.status, 300) << created.raw;
  std::string key = AnonymousHeader();
  std::vector<std::string> smiles = SharedMolecules(30);

  auto submitted = SubmitEntries(key, "eos0run", smiles);
  ASSERT_EQ(submitted.status, 200) << submitted.raw;
  nlohmann::json done = WaitFinished(key, submitted.body["id"]);

  ASSERT_EQ(done["request_status"], "COMPLETED") << done["request_status_reason"];
  EXPECT_EQ(done["progress"]["molecules_failed"], 0) << done["progress"];
  EXPECT_EQ(model.RunCalls(), 3u);
}

}  // namespace hub
