#include "hub/jobs/chunk_workers.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <thread>

#include "fmt/format.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

#include "hub/blob/local_blob_store.h"
#include "hub/common/encoding.h"
#include "hub/common/strings.h"
#include "hub/jobs/result_reader.h"
#include "hub/jobs/work_request_service.h"
#include "hub/store/migrator.h"
#include "hub/store/sqlite_database.h"

namespace hub::jobs {
namespace {

using Kind = ExecResult::Kind;

// A model that returns the input's length, and fails as each test tells it to.
class FakeExecutor final : public ChunkExecutor {
public:
  bool CanRun(const std::string& model_id) override { return model_id != "blocked"; }

  ExecResult Execute(const std::string& /*model_id*/,
                     const std::vector<std::string>& inputs,
                     const ExecOptions&) override {
    std::lock_guard<std::mutex> lock(mu);
    calls.push_back(inputs);
    ExecResult result;
    if (fail_next > 0) {
      --fail_next;
      result.kind = fail_kind;
      result.message = "injected";
      return result;
    }
    if (refuse) {
      result.kind = Kind::kModelRefused;
      result.message = "model eos0000 is disabled";
      return result;
    }
    for (const std::string& input : inputs) {
      if (input == poison && !inputs.empty()) {
        result.kind = Kind::kModelError;
        result.message = "500 Internal processing error";
        result.rows.clear();
        return result;
      }
      if (two_columns) {
        result.rows.emplace_back(
            fmt::format(R"({{"length": {}, "echo": "{}"}})", input.size(), input));
      } else {
        result.rows.emplace_back(fmt::format("{{\"length\": {}.0}}", input.size()));
      }
    }
    return result;
  }

  std::mutex mu;
  std::vector<std::vector<std::string>> calls;
  int fail_next = 0;
  Kind fail_kind = Kind::kTransient;
  bool refuse = false;
  bool two_columns = false;
  std::string poison = "POISON";
};

class FakeModels final : public ModelFactsSource {
public:
  absl::StatusOr<ModelFacts> Facts(const std::string& model_id) override {
    if (model_id == "missing") {
      return absl::NotFoundError("no model");
    }
    ModelFacts facts;
    facts.version = "1.0";
    facts.enabled = model_id != "disabled";
    return facts;
  }
};

class ChunkWorkersTest : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/workers_test_" + std::to_string(::getpid());
    std::filesystem::remove_all(dir_);
    blobs_ = std::move(*blob::LocalBlobStore::Open(dir_ + "/blobs"));
    db_ = std::move(*store::SqliteDatabase::Open({.path = dir_ + "/hub.db"}));
    store::Migrator migrator(*db_, store::BuiltinMigrations(db_->dialect()),
                             common::SystemClock::Instance());
    ASSERT_TRUE(migrator.Apply().ok());
    for (const char* user : {"alice", "bob"}) {
      ASSERT_TRUE(db_->Exec("INSERT INTO {schema}.users (id, kind, username, username_key, "
                            "permissions_updated_at, signup_at, updated_at) VALUES ($1, 'user', "
                            "$1, $1, 0, 0, 0)",
                            {std::string(user)})
                      .ok());
    }
    requests_ = std::make_unique<RequestStore>(*db_, clock_);
    cache_ = std::make_unique<ResultCache>(*db_, clock_);
    queue_ = std::make_unique<ChunkQueue>(*db_, clock_, "replica-a", std::chrono::seconds(30));
    ServiceOptions service_options;
    service_options.max_chunk_rows = 4;
    service_options.min_chunk_rows = 1;
    service_options.small_request_rows = 4;
    service_ = std::make_unique<WorkRequestService>(*requests_, *blobs_, *cache_, models_, pool_,
                                                    clock_, service_options);
  }

  void TearDown() override {
    if (workers_) {
      workers_->Stop();
      workers_->Join();
    }
  }

  // Rebuilds the service with chunks of `rows` distinct inputs.
  void UseChunkRows(size_t rows) {
    ServiceOptions options;
    options.max_chunk_rows = rows;
    options.min_chunk_rows = 1;
    options.small_request_rows = 4;
    service_ = std::make_unique<WorkRequestService>(*requests_, *blobs_, *cache_, models_, pool_,
                                                    clock_, options);
  }

  void StartWorkers(size_t threads = 2) {
    WorkerOptions options;
    options.threads = threads;
    options.idle_poll = std::chrono::milliseconds(20);
    options.retry_backoff = std::chrono::milliseconds(5);
    options.max_backoff = std::chrono::milliseconds(20);
    options.wait_timeout = std::chrono::milliseconds(300);
    workers_ = std::make_unique<ChunkWorkers>(*queue_, *requests_, *blobs_, *cache_, executor_,
                                              RowChecker{CheckSmilesRow, &pool_}, clock_, options);
    workers_->Start();
  }

  std::int64_t Submit(const std::string& user,
                      const std::vector<std::string>& entries,
                      const std::string& model = "eos3b5e",
                      bool cache_opt_in = false) {
    Caller caller;
    caller.user_id = user;
    SubmitRequest request;
    request.model_id = model;
    request.input.entries = entries;
    request.input_options.has_header = false;
    request.cache_opt_in = cache_opt_in;
    auto result = service_->Submit(caller, request);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? result->request.id : 0;
  }

  WorkRequestRecord WaitForEnd(std::int64_t id) {
    for (int i = 0; i < 500; ++i) {
      auto record = requests_->Get(id);
      if (record.ok() && IsTerminal(record->status)) {
        return *record;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "request " << id << " did not end";
    return *requests_->Get(id);
  }

  // The "<error>\t<values>" of every result line of a request, by unique index.
  std::map<std::int64_t, std::string> Results(std::int64_t id) {
    std::map<std::int64_t, std::string> out;
    auto chunks = requests_->LeafChunks(id);
    EXPECT_TRUE(chunks.ok()) << chunks.status();
    for (const ChunkRecord& chunk : *chunks) {
      std::string text = blobs_->Get(chunk.result_key).value_or("");
      for (std::string_view line : common::Split(text, '\n')) {
        if (line.empty()) {
          continue;
        }
        size_t tab = line.find('\t');
        out[std::stoll(std::string(line.substr(0, tab)))] = std::string(line.substr(tab + 1));
      }
    }
    return out;
  }

  common::SystemClock& clock_ = common::SystemClock::Instance();
  std::string dir_;
  std::unique_ptr<blob::LocalBlobStore> blobs_;
  std::unique_ptr<store::SqliteDatabase> db_;
  std::unique_ptr<RequestStore> requests_;
  std::unique_ptr<ResultCache> cache_;
  std::unique_ptr<ChunkQueue> queue_;
  common::ThreadPool pool_{2, "validate"};
  FakeModels models_;
  std::unique_ptr<WorkRequestService> service_;
  FakeExecutor executor_;
  std::unique_ptr<ChunkWorkers> workers_;
};

TEST_F(ChunkWorkersTest, ComputesEveryChunkAndCompletes) {
  StartWorkers();

  std::int64_t id = Submit("alice", {"C", "CC", "CCC", "CCCC", "CCCCC", "CC", "c1ccccc1"});
  WorkRequestRecord done = WaitForEnd(id);

  EXPECT_EQ(done.status, RequestStatus::kCompleted);
  EXPECT_EQ(done.rows_done, 6);
  EXPECT_EQ(done.columns, "[\"length\"]");
  auto results = Results(id);
  ASSERT_EQ(results.size(), 6u);
  EXPECT_EQ(results[0], "\t[1.0]");
  EXPECT_EQ(results[5], "\t[8.0]");
}

TEST_F(ChunkWorkersTest, PoisonMoleculeFailsAloneAfterBisection) {
  StartWorkers();

  std::int64_t id = Submit("alice", {"C", "CC", "POISON", "CCCC", "CCCCC"});
  WorkRequestRecord done = WaitForEnd(id);

  EXPECT_EQ(done.status, RequestStatus::kCompleted);
  EXPECT_EQ(done.rows_done, 4);
  EXPECT_EQ(done.rows_failed, 1);
  auto results = Results(id);
  EXPECT_NE(results[2].find("model_error"), std::string::npos) << results[2];
  EXPECT_EQ(results[3], "\t[4.0]");
}

TEST_F(ChunkWorkersTest, TransientFailuresAreRetried) {
  executor_.fail_next = 2;
  StartWorkers(1);

  std::int64_t id = Submit("alice", {"C", "CC"});
  WorkRequestRecord done = WaitForEnd(id);

  EXPECT_EQ(done.status, RequestStatus::kCompleted);
  EXPECT_EQ(done.rows_done, 2);
  EXPECT_EQ(executor_.calls.size(), 3u);
}

TEST_F(ChunkWorkersTest, CrashedInstanceRetriesTheChunkSmaller) {
  executor_.fail_next = 1;
  executor_.fail_kind = Kind::kCrash;
  StartWorkers(1);

  std::int64_t id = Submit("alice", {"C", "CC", "CCC", "CCCC"});
  WorkRequestRecord done = WaitForEnd(id);

  EXPECT_EQ(done.status, RequestStatus::kCompleted);
  EXPECT_EQ(done.rows_done, 4);
  EXPECT_EQ(executor_.calls[1].size(), 2u);
}

TEST_F(ChunkWorkersTest, ModelThatCannotRunFailsTheRequestWithTheReason) {
  executor_.refuse = true;
  StartWorkers();

  std::int64_t id = Submit("alice", {"C"});
  WorkRequestRecord done = WaitForEnd(id);

  EXPECT_EQ(done.status, RequestStatus::kFailed);
  EXPECT_NE(done.status_reason.find("disabled"), std::string::npos);
}

TEST_F(ChunkWorkersTest, RequestWaitingTooLongForAnInstanceFails) {
  executor_.fail_next = 1000;
  executor_.fail_kind = Kind::kNoInstance;
  StartWorkers(1);

  std::int64_t id = Submit("alice", {"C"});
  WorkRequestRecord done = WaitForEnd(id);

  EXPECT_EQ(done.status, RequestStatus::kFailed);
  EXPECT_NE(done.status_reason.find("no instance"), std::string::npos) << done.status_reason;
}

TEST_F(ChunkWorkersTest, SmallRequestOvertakesALargeOne) {
  std::vector<std::string> large;
  for (int i = 1; i <= 40; ++i) {
    large.emplace_back(static_cast<size_t>(i), 'C');
  }
  std::int64_t big = Submit("alice", large);
  std::int64_t small = Submit("bob", {"N"});
  StartWorkers(1);

  WaitForEnd(small);
  WaitForEnd(big);

  size_t position = 0;
  for (size_t i = 0; i < executor_.calls.size(); ++i) {
    if (executor_.calls[i] == std::vector<std::string>{"N"}) {
      position = i;
    }
  }
  EXPECT_LE(position, 1u) << "the 1-molecule request ran after " << position << " chunks";
}

TEST_F(ChunkWorkersTest, OptedInResultsGoToTheCache) {
  StartWorkers();

  std::int64_t first = Submit("alice", {"CCO", "CCN"}, "eos3b5e", /*cache_opt_in=*/true);
  WaitForEnd(first);
  std::int64_t second = Submit("bob", {"CCO", "CCN"});
  WorkRequestRecord again = WaitForEnd(second);

  EXPECT_EQ(again.rows_cached, 2);
  EXPECT_EQ(again.chunks_total, 0);
  EXPECT_EQ(again.status, RequestStatus::kCompleted);
}

TEST_F(ChunkWorkersTest, UnknownAndDisabledModelsAreRefusedAtSubmit) {
  Caller caller;
  caller.user_id = "alice";
  SubmitRequest request;
  request.input.entries = {"CCO"};

  request.model_id = "missing";
  auto missing = service_->Submit(caller, request);
  request.model_id = "disabled";
  auto disabled = service_->Submit(caller, request);

  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(disabled.status().message()).find("disabled"), std::string::npos);
  EXPECT_TRUE(requests_->List({})->empty());
}

std::string ReadAll(WorkRequestService& service,
                    RequestStore& requests,
                    std::int64_t id,
                    ResultOptions options) {
  auto record = requests.Get(id);
  auto reader = ResultReader::Open(service.blobs(), requests, *record, options);
  EXPECT_TRUE(reader.ok()) << reader.status();
  std::string out;
  while (reader.ok() && (*reader)->Next(out, 16).value_or(false)) {
  }
  return out;
}

TEST_F(ChunkWorkersTest, CsvResultFollowsTheInputWithDuplicatesAndRejectedRows) {
  StartWorkers();
  std::int64_t id = Submit("alice", {"CC", "not(", "C", "CC"});
  WaitForEnd(id);

  std::string csv = ReadAll(*service_, *requests_, id, {});
  std::string with_errors = ReadAll(*service_, *requests_, id, {.error_column = true});

  std::string cc = common::Md5Hex("CC");
  EXPECT_EQ(csv, "key,input,length\n" + cc + ",CC,2.0\n" + common::Md5Hex("not(") + ",not(,\n" +
                     common::Md5Hex("C") + ",C,1.0\n" + cc + ",CC,2.0\n");
  EXPECT_NE(with_errors.find("invalid_smiles"), std::string::npos);
}

TEST_F(ChunkWorkersTest, JsonAndHubLayouts) {
  executor_.two_columns = true;
  StartWorkers();
  std::int64_t id = Submit("alice", {"CCO", "N"});
  WaitForEnd(id);

  auto json =
      nlohmann::json::parse(ReadAll(*service_, *requests_, id, {.format = ResultFormat::kJson}));
  std::string hub = ReadAll(*service_, *requests_, id, {.layout = CsvLayout::kHub});
  std::string lines = ReadAll(*service_, *requests_, id, {.format = ResultFormat::kJsonLines});

  ASSERT_EQ(json.size(), 2u);
  EXPECT_EQ(json[0]["input"], "CCO");
  EXPECT_EQ(json[0]["length"], 3);
  EXPECT_EQ(json[0]["echo"], "CCO");
  EXPECT_TRUE(json[1]["error"].is_null());
  EXPECT_EQ(hub, "input,echo,length\nCCO,CCO,3\nN,N,1\n");
  EXPECT_EQ(std::count(lines.begin(), lines.end(), '\n'), 2);
}

// `count` distinct valid SMILES (chains of carbons, then nitrogens).
std::vector<std::string> DistinctSmiles(size_t count) {
  std::vector<std::string> smiles;
  for (size_t i = 0; smiles.size() < count; ++i) {
    smiles.push_back(std::string(i % 50 + 1, 'C') + std::string(i / 50, 'N'));
  }
  return smiles;
}

// The lines of `text` (CSV or JSON lines) that hold `input` as a field.
std::vector<std::string> LinesWith(const std::string& text, const std::string& field) {
  std::vector<std::string> lines;
  for (std::string_view line : common::Split(text, '\n')) {
    if (line.find(field) != std::string_view::npos) {
      lines.emplace_back(line);
    }
  }
  return lines;
}

TEST_F(ChunkWorkersTest, InputsIntakeLeftUncheckedAreRejectedByTheirChunkAsIntakeWould) {
  // Intake checks its first batch of 2,048 rows and leaves later new inputs to the chunks of
  // 50: the one of unique indices 2050-2099 is all invalid, the next one mixes.
  UseChunkRows(50);
  std::vector<std::string> entries = DistinctSmiles(2200);
  std::vector<std::string> invalid;
  for (size_t i = 2050; i < 2100; ++i) {
    entries[i] = fmt::format("bad{}(", i);
    invalid.push_back(entries[i]);
  }
  entries[2120] = "not(";
  invalid.emplace_back("not(");
  StartWorkers();

  std::int64_t id = Submit("alice", entries);
  WorkRequestRecord submitted = *requests_->Get(id);
  WorkRequestRecord done = WaitForEnd(id);
  size_t calls = executor_.calls.size();
  std::int64_t small = Submit("alice", {"C", "not(", "bad2099("});
  WaitForEnd(small);

  EXPECT_EQ(submitted.rows_invalid, 0);
  EXPECT_EQ(submitted.rows_unique, 2200);
  EXPECT_EQ(done.status, RequestStatus::kCompleted);
  EXPECT_EQ(done.rows_total, 2200);
  EXPECT_EQ(done.rows_invalid, 51);
  EXPECT_EQ(done.rows_unique, 2149);
  EXPECT_EQ(done.rows_done, 2149);
  EXPECT_EQ(done.rows_failed, 0);
  // No invalid input reached the model, and the chunk of invalid ones made no call at all.
  EXPECT_EQ(calls, static_cast<size_t>(done.chunks_total) - 1);
  size_t sent = 0;
  for (size_t c = 0; c < calls; ++c) {
    sent += executor_.calls[c].size();
    for (const std::string& input : executor_.calls[c]) {
      EXPECT_EQ(std::count(invalid.begin(), invalid.end(), input), 0) << input;
    }
  }
  EXPECT_EQ(sent, 2149u);
  // In CSV and JSON the rows look as the rows intake rejected in the small request.
  std::string csv = ReadAll(*service_, *requests_, id, {.error_column = true});
  std::string lines = ReadAll(*service_, *requests_, id, {.format = ResultFormat::kJsonLines});
  std::string small_csv = ReadAll(*service_, *requests_, small, {.error_column = true});
  std::string small_lines =
      ReadAll(*service_, *requests_, small, {.format = ResultFormat::kJsonLines});
  for (const std::string input : {"not(", "bad2099("}) {
    std::vector<std::string> from_chunk = LinesWith(csv, "," + input + ",");
    ASSERT_EQ(from_chunk.size(), 1u) << input;
    EXPECT_EQ(from_chunk, LinesWith(small_csv, "," + input + ","));
    EXPECT_NE(from_chunk[0].find("invalid_smiles"), std::string::npos) << from_chunk[0];
    std::string json_input = R"("input":")" + input + "\"";
    EXPECT_EQ(LinesWith(lines, json_input), LinesWith(small_lines, json_input));
  }
  // Every row in input order.
  std::vector<std::string_view> rows = common::Split(csv, '\n');
  ASSERT_GE(rows.size(), entries.size() + 1);
  for (size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(rows[i + 1].substr(0, 33), common::Md5Hex(entries[i]) + ",") << i;
  }
}

TEST_F(ChunkWorkersTest, SplitChunkChecksItsRowsAgainAndCountsEachOnce) {
  UseChunkRows(50);
  std::vector<std::string> entries = DistinctSmiles(2200);
  entries[2120] = "not(";
  entries[2130] = "POISON";  // fails the chunk: it is halved until POISON fails alone
  StartWorkers();

  std::int64_t id = Submit("alice", entries);
  WorkRequestRecord done = WaitForEnd(id);

  EXPECT_EQ(done.status, RequestStatus::kCompleted);
  EXPECT_EQ(done.rows_invalid, 1);
  EXPECT_EQ(done.rows_unique, 2199);
  EXPECT_EQ(done.rows_done, 2198);
  EXPECT_EQ(done.rows_failed, 1);
  auto results = Results(id);
  EXPECT_EQ(results[2120], CheckSmilesRow("not(") + "\t");
  EXPECT_NE(results[2130].find("model_error"), std::string::npos) << results[2130];
}

TEST_F(ChunkWorkersTest, PartialResultsBeforeAnythingRan) {
  std::int64_t id = Submit("alice", {"CCO"});

  std::string json = ReadAll(*service_, *requests_, id, {.format = ResultFormat::kJson});

  EXPECT_NE(json.find("pending"), std::string::npos) << json;
}

TEST(RankGroupsTest, PriorityThenLaneThenFewestRunningThenOldest) {
  std::vector<QueueGroup> groups = {
      {"busy", 0, 1, 1, 5}, {"idle", 0, 1, 2, 5}, {"small", 0, 0, 3, 1}, {"vip", 5, 1, 4, 1}};

  auto ranked = RankGroups(groups, {{"busy", 3}});

  ASSERT_EQ(ranked.size(), 4u);
  EXPECT_EQ(ranked[0].user_id, "vip");
  EXPECT_EQ(ranked[1].user_id, "small");
  EXPECT_EQ(ranked[2].user_id, "idle");
  EXPECT_EQ(ranked[3].user_id, "busy");
}

}  // namespace
}  // namespace hub::jobs
