#include "hub/store/statement_counters.h"

namespace hub::store {

std::vector<StatementCounters::Counter*> StatementCounters::CountersFor(
    const std::vector<std::string>& tables) {
  std::vector<Counter*> counters;
  counters.reserve(tables.size());
  absl::MutexLock lock(&mu_);
  for (const std::string& table : tables) {
    auto& slot = by_table_[table];
    if (slot == nullptr) {
      slot = std::make_unique<Counter>(0);
    }
    counters.push_back(slot.get());
  }
  return counters;
}

void StatementCounters::Record(const std::vector<Counter*>& counters) {
  total_.fetch_add(1, std::memory_order_relaxed);
  for (Counter* counter : counters) {
    counter->fetch_add(1, std::memory_order_relaxed);
  }
}

DatabaseStats StatementCounters::Snapshot() const {
  DatabaseStats stats;
  stats.statements = total_.load(std::memory_order_relaxed);
  absl::MutexLock lock(&mu_);
  for (const auto& [table, counter] : by_table_) {
    stats.statements_by_table[table] = counter->load(std::memory_order_relaxed);
  }
  return stats;
}

}  // namespace hub::store
