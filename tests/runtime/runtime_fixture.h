#pragma once

// The runtime as the hub builds it — `RuntimeModule` on a fresh SQLite database, with a real
// `LocalBackend` spawning `ersilia-hub model-server` processes (`HUB_BINARY`) — for tests that
// drive the instance pool through its C++ API, where the HTTP API has no trigger (leases held
// by work in progress).
//
// Thread-safety: one test thread; the module itself is thread-safe.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

#include "hub/common/clock.h"
#include "hub/runtime/runtime_module.h"
#include "hub/store/database.h"
#include "hub/store/migration.h"
#include "hub/store/migrator.h"
#include "hub/store/sqlite_database.h"

#include "tests/support/hub_process.h"

namespace hub::runtime {

// Polls `done` every 5 ms until it holds or `timeout` passes; true when it held.
inline bool PollUntil(const std::function<bool()>& done,
                      std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
  auto give_up = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > give_up) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

// Options of a test runtime: built-in models, no catalog, the binary under test, logs in
// `dir`, a fast maintenance tick.
inline RuntimeOptions TestRuntimeOptions(const std::string& dir) {
  RuntimeOptions options;
  options.catalog_url.clear();
  options.local.binary = test_support::HubBinary();
  options.local.log_dir = dir + "/instances";
  options.local.log_level = "warn";
  options.pool.server_id = "runtime-test";
  options.pool.max_instances = 4;
  options.pool.memory_budget_mb = 0;
  options.pool.exit_wait = std::chrono::milliseconds(2000);
  options.tick = std::chrono::milliseconds(20);
  options.stop_timeout = std::chrono::milliseconds(5000);
  return options;
}

// Owns the database and the module; `Start` builds and starts them.
class RuntimeHarness final {
public:
  // `clock` must outlive the harness.
  explicit RuntimeHarness(const common::Clock& clock = common::SystemClock::Instance())
      : clock_(clock), dir_(test_support::MakeTempDir("runtime")) {}

  ~RuntimeHarness() {
    if (runtime_ != nullptr) {
      runtime_->Stop();
    }
  }

  RuntimeHarness(const RuntimeHarness&) = delete;
  RuntimeHarness& operator=(const RuntimeHarness&) = delete;

  // Opens and migrates the database, then starts a module with `adjust`ed options.
  // Fails the test (fatally) on error.
  void Start(const std::function<void(RuntimeOptions&)>& adjust = {}) {
    store::SqliteOptions sqlite;
    sqlite.path = dir_ + "/hub.db";
    auto db = store::SqliteDatabase::Open(sqlite);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    store::Migrator migrator(*db_, store::BuiltinMigrations(db_->dialect()), clock_);
    auto applied = migrator.Apply();
    ASSERT_TRUE(applied.ok()) << applied.status();

    RuntimeOptions options = TestRuntimeOptions(dir_);
    if (adjust) {
      adjust(options);
    }
    runtime_ = std::make_unique<RuntimeModule>(*db_, clock_, nullptr, std::move(options));
    absl::Status started = runtime_->Start();
    ASSERT_TRUE(started.ok()) << started;
  }

  RuntimeModule& runtime() { return *runtime_; }

  InstancePool& pool() { return runtime_->pool(); }

  // Every stored event of `filter`, after the history writer caught up.
  std::vector<StoredEvent> Events(EventFilter filter = {}) {
    runtime_->history().Flush();
    filter.limit = 1000;
    auto events = runtime_->events().List(filter);
    EXPECT_TRUE(events.ok()) << events.status();
    return events.ok() ? *events : std::vector<StoredEvent>();
  }

  // Stored events of `instance_id` named `kind` ("CRASHED", ...).
  std::vector<StoredEvent> EventsOf(const std::string& instance_id, const std::string& kind) {
    EventFilter filter;
    filter.instance_id = instance_id;
    filter.events = {kind};
    return Events(filter);
  }

  // `EventsOf`, polled until there are `count`: the pool records an event just after it acts,
  // so a caller may see the effect (an error, an instance gone) before the history has it.
  std::vector<StoredEvent> AwaitEventsOf(const std::string& instance_id,
                                         const std::string& kind,
                                         size_t count = 1) {
    std::vector<StoredEvent> events;
    PollUntil([&] { return (events = EventsOf(instance_id, kind)).size() >= count; });
    return events;
  }

  const std::string& dir() const { return dir_; }

private:
  const common::Clock& clock_;
  std::string dir_;
  store::DatabasePtr db_;
  std::unique_ptr<RuntimeModule> runtime_;
};

}  // namespace hub::runtime
