// Cold start of a model instance, the way the hub does it: from no instance of the model to
// the first `/run` answered (`InstancePool::Acquire` on an empty pool, which spawns
// `ersilia-hub model-server`, waits for its port file and `/healthz`, then `Run`), measured
// `--repetitions` times through a real `RuntimeModule` on a scratch SQLite database.
//
// Two baselines from the same run, so the ratio means something on any machine:
//   spawn  `ersilia-hub --help`, spawned and reaped: the cost of a process, which no
//          cold start can beat;
//   warm   the same `/run` on the instance that is already running (Acquire of a free
//          instance + Run): what every call after the first costs.
//
//   cold_start_benchmark --binary build/ersilia-hub [--model eos3b5e] [--repetitions 20]
//
// Prints one line per measurement kind (median, p90, min, max in ms), the ratios, and whether
// the goal (median cold start under `--goal-ms`, 500 by default) was met. Exit code 1 when a
// measurement failed, 0 otherwise (a missed goal is a result, not an error).

#include <poll.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "fmt/format.h"

#include "hub/common/clock.h"
#include "hub/common/strings.h"
#include "hub/runtime/runtime_module.h"
#include "hub/runtime/subprocess.h"
#include "hub/store/migration.h"
#include "hub/store/migrator.h"
#include "hub/store/sqlite_database.h"

#include "CLI/CLI.hpp"

namespace {

using Steady = std::chrono::steady_clock;
using hub::runtime::InstancePool;

struct Options {
  std::string binary;
  std::string model = "eos3b5e";
  std::string smiles = "C1=CN=CC=C1C(=O)NN";
  int repetitions = 20;
  double goal_ms = 500;
  std::string work_dir;
};

struct Stats {
  double median = 0;
  double p90 = 0;
  double min = 0;
  double max = 0;
};

double MillisSince(Steady::time_point start) {
  return std::chrono::duration<double, std::milli>(Steady::now() - start).count();
}

Stats Summarize(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  auto at = [&](double q) {
    auto i = static_cast<size_t>(std::lround(q * static_cast<double>(values.size() - 1)));
    return values[std::min(i, values.size() - 1)];
  };
  return {at(0.5), at(0.9), values.front(), values.back()};
}

void Print(const char* name, const std::vector<double>& values) {
  Stats s = Summarize(values);
  std::printf("%-22s n=%-3zu median %8.2f ms  p90 %8.2f ms  min %8.2f ms  max %8.2f ms\n", name,
              values.size(), s.median, s.p90, s.min, s.max);
}

hub::common::Micros Deadline(std::chrono::seconds in) {
  return hub::common::SystemClock::Instance().NowMicros() +
         std::chrono::duration_cast<std::chrono::microseconds>(in).count();
}

// Spawns `binary --help` and waits for it to exit; the elapsed ms, or -1 on failure.
double SpawnAndReap(const std::string& binary) {
  hub::runtime::SpawnOptions spawn;
  spawn.argv = {binary, "--help"};
  Steady::time_point start = Steady::now();
  auto child = hub::runtime::Subprocess::Spawn(spawn);
  if (!child.ok()) {
    std::fprintf(stderr, "spawn failed: %s\n",
                 hub::common::ToString(child.status().message()).c_str());
    return -1;
  }
  while (true) {
    if ((*child)->pidfd() >= 0) {
      pollfd fd = {(*child)->pidfd(), POLLIN, 0};
      poll(&fd, 1, 1000);
    }
    std::optional<hub::runtime::ExitStatus> exit = (*child)->TryWait();
    if (exit.has_value()) {
      if (exit->signaled || exit->code != 0) {
        std::fprintf(stderr, "%s --help: %s\n", binary.c_str(), exit->Describe().c_str());
        return -1;
      }
      return MillisSince(start);
    }
  }
}

// Acquire (cold or warm, depending on the pool) and one `/run`; the elapsed ms, or -1.
double AcquireAndRun(InstancePool& pool, const Options& options, bool stop_after) {
  Steady::time_point start = Steady::now();
  auto lease = pool.Acquire(options.model, Deadline(std::chrono::seconds(30)));
  if (!lease.ok()) {
    std::fprintf(stderr, "acquire failed: %s\n",
                 hub::common::ToString(lease.status().message()).c_str());
    return -1;
  }
  auto answer = lease->Run({options.smiles});
  double elapsed = MillisSince(start);
  if (!answer.ok() || answer->size() != 1 || !answer->row(0).has_value()) {
    std::fprintf(stderr, "run failed: %s\n",
                 answer.ok() ? "no row" : hub::common::ToString(answer.status().message()).c_str());
    return -1;
  }
  pool.Release(std::move(*lease), hub::runtime::RunErrorKind::kNone);
  if (stop_after) {
    pool.StopModel(options.model, hub::runtime::StopReason::kAdmin);
  }
  return elapsed;
}

// Waits until the model has no instance (not even a stopping one); false after 10 s.
bool WaitForZero(InstancePool& pool, const std::string& model) {
  Steady::time_point give_up = Steady::now() + std::chrono::seconds(10);
  while (Steady::now() < give_up) {
    hub::runtime::ModelScaling s = pool.Scaling(model);
    if (s.current() + s.stopping == 0) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

hub::runtime::RuntimeOptions RuntimeOptionsFor(const Options& options) {
  hub::runtime::RuntimeOptions r;
  r.catalog_url.clear();
  r.local.binary = options.binary;
  r.local.log_dir = options.work_dir + "/instances";
  r.local.log_level = "warn";
  r.pool.server_id = "cold-start-benchmark";
  r.pool.idle_timeout = std::chrono::minutes(10);
  r.pool.stop_grace = std::chrono::milliseconds(2000);
  return r;
}

struct Results {
  std::vector<double> spawn;
  std::vector<double> cold;
  std::vector<double> warm;
};

bool Measure(InstancePool& pool, const Options& options, Results& results) {
  for (int i = 0; i < options.repetitions; ++i) {
    results.spawn.push_back(SpawnAndReap(options.binary));
    // Warm: a second call on the instance the cold start left running.
    results.cold.push_back(AcquireAndRun(pool, options, false));
    results.warm.push_back(AcquireAndRun(pool, options, true));
    if (results.spawn.back() < 0 || results.cold.back() < 0 || results.warm.back() < 0) {
      std::fprintf(stderr, "repetition %d failed\n", i + 1);
      return false;
    }
    if (!WaitForZero(pool, options.model)) {
      std::fprintf(stderr, "the instance did not stop\n");
      return false;
    }
  }
  return true;
}

void Report(const Options& options, const Results& results) {
  std::printf("cold start of %s: no instance -> first /run answered (%d repetitions)\n",
              options.model.c_str(), options.repetitions);
  Print("baseline spawn+exit", results.spawn);
  Print("baseline warm /run", results.warm);
  Print("cold start", results.cold);
  Stats cold = Summarize(results.cold);
  Stats spawn = Summarize(results.spawn);
  Stats warm = Summarize(results.warm);
  std::printf("ratio cold/spawn (median) %.1fx   ratio cold/warm (median) %.1fx\n",
              cold.median / spawn.median, cold.median / warm.median);
  std::printf("goal: cold start under %.0f ms (median %.2f ms, p90 %.2f ms): %s\n", options.goal_ms,
              cold.median, cold.p90, cold.median < options.goal_ms ? "MET" : "NOT MET");
}

// A migrated SQLite database in `dir`.
absl::StatusOr<hub::store::DatabasePtr> OpenScratchDatabase(const std::string& dir,
                                                            const hub::common::Clock& clock) {
  hub::store::SqliteOptions sqlite;
  sqlite.path = dir + "/hub.db";
  auto db = hub::store::SqliteDatabase::Open(sqlite);
  if (!db.ok()) {
    return db.status();
  }
  hub::store::Migrator migrator(**db, hub::store::BuiltinMigrations((*db)->dialect()), clock);
  if (auto applied = migrator.Apply(); !applied.ok()) {
    return applied.status();
  }
  return hub::store::DatabasePtr(std::move(*db));
}

// Parses the flags into `options`; nullopt with the exit code when the run should end.
std::optional<int> ParseFlags(int argc, char** argv, Options& options) {
  CLI::App app("cold start of a model instance, with spawn and warm-call baselines");
  app.add_option("--binary", options.binary, "the ersilia-hub binary")->required();
  app.add_option("--model", options.model, "built-in model")->capture_default_str();
  app.add_option("--smiles", options.smiles, "input of the /run calls")->capture_default_str();
  app.add_option("--repetitions", options.repetitions, "cold starts measured")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("--goal-ms", options.goal_ms, "cold start goal")->capture_default_str();
  app.add_option("--work-dir", options.work_dir, "scratch directory (default: a temp dir)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (options.work_dir.empty()) {
    options.work_dir =
        (std::filesystem::temp_directory_path() / fmt::format("cold_start_benchmark_{}", getpid()))
            .string();
  }
  return std::nullopt;
}

int Run(const Options& options) {
  std::error_code ignored;
  std::filesystem::remove_all(options.work_dir, ignored);

  const hub::common::Clock& clock = hub::common::SystemClock::Instance();
  auto db = OpenScratchDatabase(options.work_dir, clock);
  if (!db.ok()) {
    std::fprintf(stderr, "database: %s\n", hub::common::ToString(db.status().message()).c_str());
    return 1;
  }
  hub::runtime::RuntimeModule runtime(**db, clock, nullptr, RuntimeOptionsFor(options));
  if (absl::Status started = runtime.Start(); !started.ok()) {
    std::fprintf(stderr, "runtime: %s\n", hub::common::ToString(started.message()).c_str());
    return 1;
  }
  Results results;
  bool ok = Measure(runtime.pool(), options, results);
  runtime.Stop();
  std::filesystem::remove_all(options.work_dir, ignored);
  if (!ok) {
    return 1;
  }
  Report(options, results);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    Options options;
    if (std::optional<int> done = ParseFlags(argc, argv, options); done.has_value()) {
      return *done;
    }
    return Run(options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cold_start_benchmark: %s\n", e.what());
    return 1;
  }
}
