#pragma once

// Work requests end to end on the real binary: one set of test bodies, instantiated on SQLite
// (work_requests_test.cc) and PostgreSQL (work_requests_pgtest.cc).

#include <cmath>
#include <csignal>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/jobs/work_request_fixture.h"

namespace hub {

// Every row of the hub's CSV (key,input,mol_weight) equals the model-server's own value, in
// input order.
inline void ExpectSameValues(const std::vector<std::string>& smiles,
                             const std::vector<nlohmann::json>& reference,
                             const std::string& csv) {
  std::vector<std::vector<std::string>> rows = CsvRows(csv);
  ASSERT_EQ(rows.size(), smiles.size() + 1);
  EXPECT_EQ(common::Join(rows[0], ","), "key,input,mol_weight");
  int mismatches = 0;
  for (size_t i = 0; i < smiles.size(); ++i) {
    const std::vector<std::string>& row = rows[i + 1];
    ASSERT_EQ(row.size(), 3u) << i;
    EXPECT_EQ(row[1], smiles[i]) << i;
    const nlohmann::json& value = reference[i]["mol_weight"];
    bool same = value.is_null() ? row[2].empty() : std::stod(row[2]) == value.get<double>();
    if (!same && ++mismatches < 5) {
      ADD_FAILURE() << "row " << i << ": hub " << row[2] << ", model-server " << value.dump();
    }
  }
  EXPECT_EQ(mismatches, 0);
}

TEST_P(WorkRequestTest, FiftyThousandMoleculesGiveTheModelServersValuesInOrder) {
  StartHub(FastSets());
  std::string key = AnonymousHeader();
  std::vector<std::string> smiles = SharedMolecules(50'000);

  auto submitted = SubmitCsv(key, "model_id=eos3b5e&has_header=true", CsvOf(smiles));
  ASSERT_EQ(submitted.status, 200) << submitted.raw;
  std::int64_t id = submitted.body["id"];
  nlohmann::json done = WaitFinished(key, id, std::chrono::seconds(300));
  ASSERT_EQ(done["request_status"], "COMPLETED") << done.dump();
  EXPECT_EQ(done["progress"]["rows_total"], smiles.size());

  ReferenceModelServer reference("eos3b5e");
  ExpectSameValues(smiles, reference.Run(smiles), Result(key, id));
}

TEST_P(WorkRequestTest, InvalidRowsGetReasonsAndDuplicatesAreComputedOnce) {
  StartHub(FastSets());
  std::string key = AnonymousHeader();

  auto submitted =
      SubmitEntries(key, "eos3b5e", {"CCO", "not a smiles", "CCO", "C1CC", "c1ccccc1"});
  ASSERT_EQ(submitted.status, 200) << submitted.raw;
  nlohmann::json done = WaitFinished(key, submitted.body["id"]);

  EXPECT_EQ(done["request_status"], "COMPLETED");
  EXPECT_EQ(done["progress"]["rows_total"], 5);
  EXPECT_EQ(done["progress"]["rows_invalid"], 2);
  EXPECT_EQ(done["progress"]["molecules_total"], 2);  // CCO once, benzene
  std::string csv = Result(key, done["id"], "layout=hub&errors=true");
  std::vector<std::vector<std::string>> rows = CsvRows(csv);
  ASSERT_EQ(rows.size(), 6u) << csv;
  EXPECT_EQ(rows[1][1], "46.069");
  EXPECT_EQ(rows[3][1], "46.069");
  EXPECT_TRUE(rows[2][1].empty());
  EXPECT_NE(rows[2][2].find("invalid_smiles"), std::string::npos) << csv;
  EXPECT_NE(rows[4][2].find("invalid_smiles"), std::string::npos) << csv;
}

TEST_P(WorkRequestTest, BadInputGetsAClearErrorAndLeavesNothingBehind) {
  // The upload limit is above the 10 MB lines, so that they reach the input reader.
  StartHub(FastSets({"jobs.max_rows=100", "jobs.max_upload=12MiB"}));
  std::string key = AnonymousHeader();
  const std::string ten_mb(10'000'000, 'C');
  // 60 valid rows first: the reader has already written rows and a chunk when it meets it.
  const std::string late_line = CsvOf(SharedMolecules(60)) + ten_mb + "\n";

  struct Case {
    std::string what;
    test_support::ApiResponse response;
  };

  std::vector<Case> cases;
  auto json = [&](const std::string& body) {
    return api().Call(http::Method::kPost, "/api/work-requests", body, key);
  };
  cases.push_back({"not JSON", json("{nope")});
  cases.push_back({"entries not a list", json(R"({"model_id":"eos3b5e","request_payload":)"
                                              R"({"entries":"CCO"}})")});
  cases.push_back({"entries of numbers", json(R"({"model_id":"eos3b5e","request_payload":)"
                                              R"({"entries":[1,2]}})")});
  cases.push_back({"model_id not a string", json(R"({"model_id":7,"request_payload":)"
                                                 R"({"entries":["CCO"]}})")});
  cases.push_back({"empty entries", SubmitEntries(key, "eos3b5e", {})});
  cases.push_back({"unknown model", SubmitEntries(key, "eos0000", {"CCO"})});
  cases.push_back({"empty file", SubmitCsv(key, "model_id=eos3b5e&has_header=true", "")});
  cases.push_back({"header only", SubmitCsv(key, "model_id=eos3b5e&has_header=true", "smiles\n")});
  cases.push_back({"binary file", SubmitCsv(key, "model_id=eos3b5e&has_header=false",
                                            std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16))});
  cases.push_back({"a 10 MB line",
                   SubmitCsv(key, "model_id=eos3b5e&has_header=false", "CCO\n" + ten_mb + "\n")});
  cases.push_back({"a 10 MB line after 60 rows",
                   SubmitCsv(key, "model_id=eos3b5e&has_header=true", late_line)});
  cases.push_back({"a 10 MB line in a SMILES file",
                   SubmitCsv(key, "model_id=eos3b5e&format=smi&has_header=false", late_line)});
  cases.push_back({"a 10 MB line in a text file",
                   SubmitCsv(key, "model_id=eos3b5e&format=txt&has_header=true", late_line)});
  cases.push_back({"a 10 MB entry", SubmitEntries(key, "eos3b5e", {"CCO", ten_mb})});
  cases.push_back({"over the upload limit", SubmitCsv(key, "model_id=eos3b5e&has_header=false",
                                                      std::string(13 << 20, 'C'))});
  cases.push_back({"over the row limit", SubmitCsv(key, "model_id=eos3b5e&has_header=false",
                                                   CsvOf(SharedMolecules(150)))});
  cases.push_back({"no valid molecule", SubmitEntries(key, "eos3b5e", {"xx", "yy"})});

  for (const Case& c : cases) {
    EXPECT_GE(c.response.status, 400) << c.what << ": " << c.response.raw;
    EXPECT_LT(c.response.status, 500) << c.what << ": " << c.response.raw;
    EXPECT_FALSE(c.response.Detail().empty()) << c.what << ": " << c.response.raw;
  }
  // Each limit is what refused its case (a line cannot hide behind the upload limit).
  for (const Case& c : cases) {
    std::string detail = c.response.Detail();
    if (c.what.find("10 MB") != std::string::npos) {
      EXPECT_EQ(c.response.status, 400) << c.what << ": " << c.response.raw;
      EXPECT_NE(detail.find("longer than"), std::string::npos) << c.what << ": " << detail;
    }
    if (c.what == "over the upload limit") {
      EXPECT_EQ(c.response.status, 413) << c.response.raw;
    }
  }
  // Nothing was created by any of them, and nothing is left in the result store.
  auto listed = api().Get("/api/work-requests", key);
  EXPECT_EQ(listed.body["items"].size(), 0u) << listed.raw;
  std::vector<std::string> left;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(hub().data_dir() + "/results")) {
    if (entry.is_regular_file()) {
      left.push_back(entry.path().string());
    }
  }
  EXPECT_TRUE(left.empty()) << common::Join(left, "\n");
}

TEST_P(WorkRequestTest, DisabledModelIsRefused) {
  StartHub(FastSets());
  ChangeModel("eos3b5e", [](nlohmann::json& model) { model["enabled"] = false; });

  auto submitted = SubmitEntries(AnonymousHeader(), "eos3b5e", {"CCO"});
  EXPECT_EQ(submitted.status, 400) << submitted.raw;
  EXPECT_NE(submitted.Detail().find("eos3b5e"), std::string::npos) << submitted.raw;
}

TEST_P(WorkRequestTest, EachKeySeesOnlyItsOwnRequestsAndAgainLater) {
  StartHub(FastSets());
  std::string key_a = NewKey();
  std::string a = AnonymousHeader(key_a);
  std::string b = AnonymousHeader();
  auto submitted = SubmitEntries(a, "eos3b5e", {"CCO"});
  ASSERT_EQ(submitted.status, 200) << submitted.raw;
  std::int64_t id = submitted.body["id"];

  EXPECT_EQ(api().Get("/api/work-requests/" + std::to_string(id), b).status, 404);
  EXPECT_EQ(api().Get(fmt::format("/api/work-requests/{}/result", id), b).status, 404);
  EXPECT_EQ(api().Get("/api/work-requests", b).body["items"].size(), 0u);
  // The same key in another session (another browser, after expiry) sees it.
  std::string again = AnonymousHeader(key_a);
  EXPECT_EQ(api().Get("/api/work-requests", again).body["items"].size(), 1u);
  WaitFinished(again, id);
}

TEST_P(WorkRequestTest, CacheIsWrittenByOptedInAccountsAndReadByEveryone) {
  StartHub(FastSets());
  ChangeModel("eos3b5e", [](nlohmann::json& model) { model["details"]["cache_enabled"] = true; });
  std::vector<std::string> smiles = SharedMolecules(300);
  SignupUser("cacher");
  std::string user = LoginHeader("cacher");

  // An anonymous (private) request never writes the cache.
  std::string anon = AnonymousHeader();
  auto first = SubmitEntries(anon, "eos3b5e", smiles, true);
  ASSERT_EQ(first.status, 200) << first.raw;
  WaitFinished(anon, first.body["id"]);
  auto second = SubmitEntries(user, "eos3b5e", smiles, true);
  ASSERT_EQ(second.status, 200) << second.raw;
  EXPECT_EQ(WaitFinished(user, second.body["id"])["progress"]["molecules_cached"], 0);

  // The account opted in: its results are now read by an anonymous key.
  std::string reader = AnonymousHeader();
  auto third = SubmitEntries(reader, "eos3b5e", smiles);
  ASSERT_EQ(third.status, 200) << third.raw;
  nlohmann::json cached = WaitFinished(reader, third.body["id"]);
  EXPECT_GT(cached["progress"]["molecules_total"], 0);
  EXPECT_EQ(cached["progress"]["molecules_cached"], cached["progress"]["molecules_total"]);
  ExpectSameValues(smiles, ReferenceModelServer("eos3b5e").Run(smiles),
                   Result(reader, third.body["id"]));
}

TEST_P(WorkRequestTest, CancelKeepsTheRowsAlreadyComputed) {
  StartHub(FastSets({"jobs.chunk_rows=50", "jobs.workers=1"}));
  std::string key = AnonymousHeader();
  auto submitted = SubmitEntries(key, "eos3b5e", SharedMolecules(10'000));
  ASSERT_EQ(submitted.status, 200) << submitted.raw;
  std::int64_t id = submitted.body["id"];

  auto cancelled = api().Call(http::Method::kPost, fmt::format("/api/work-requests/{}/cancel", id),
                              std::nullopt, key);
  ASSERT_EQ(cancelled.status, 200) << cancelled.raw;
  nlohmann::json done = WaitFinished(key, id);
  EXPECT_EQ(done["request_status"], "CANCELLED");
  // The partial result has a line per input row, computed ones with values.
  std::vector<std::vector<std::string>> rows = CsvRows(Result(key, id));
  EXPECT_EQ(rows.size(), 10'001u);
  auto again = api().Call(http::Method::kPost, fmt::format("/api/work-requests/{}/cancel", id),
                          std::nullopt, key);
  EXPECT_EQ(again.status, 409) << again.raw;
}

TEST_P(WorkRequestTest, ProgressStreamEndsWithTheFinalStatus) {
  StartHub(FastSets());
  std::string key = AnonymousHeader();
  auto submitted = SubmitEntries(key, "eos3b5e", SharedMolecules(200));
  ASSERT_EQ(submitted.status, 200) << submitted.raw;

  auto events =
      api().Get(fmt::format("/api/work-requests/{}/events", submitted.body["id"].get<int>()), key);
  EXPECT_EQ(events.status, 200);
  EXPECT_NE(events.raw.find("data: "), std::string::npos) << events.raw;
  EXPECT_NE(events.raw.find("COMPLETED"), std::string::npos) << events.raw;
}

TEST_P(WorkRequestTest, KilledHubRestartsAndCompletesEveryRowExactlyOnce) {
  StartHub(FastSets({"jobs.chunk_rows=100", "jobs.workers=1"}));
  std::string key = NewKey();
  std::string header = AnonymousHeader(key);
  std::vector<std::string> smiles = SharedMolecules(20'000);
  auto submitted = SubmitCsv(header, "model_id=eos3b5e&has_header=true", CsvOf(smiles));
  ASSERT_EQ(submitted.status, 200) << submitted.raw;
  std::int64_t id = submitted.body["id"];
  // Kill it mid-request, once some chunks are done.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    auto got = api().Get("/api/work-requests/" + std::to_string(id), header);
    if (got.body["progress"].value("molecules_done", 0) > 0) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  hub().Kill();

  StartHub(FastSets({"jobs.chunk_rows=100"}));
  header = AnonymousHeader(key);
  nlohmann::json done = WaitFinished(header, id);
  ASSERT_EQ(done["request_status"], "COMPLETED") << done.dump();
  ReferenceModelServer reference("eos3b5e");
  ExpectSameValues(smiles, reference.Run(smiles), Result(header, id));
}

}  // namespace hub
