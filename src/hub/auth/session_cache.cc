#include "hub/auth/session_cache.h"

#include <algorithm>

namespace hub::auth {

SessionCache::SessionCache(std::size_t max_entries)
    : max_entries_(std::max<std::size_t>(1, max_entries)) {}

std::optional<CachedCredential> SessionCache::Get(const std::string& hash) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = entries_.find(hash);
  if (it == entries_.end()) {
    return std::nullopt;
  }
  return it->second;
}

void SessionCache::Put(const std::string& hash, CachedCredential entry) {
  absl::MutexLock lock(&mu_);
  if (entries_.size() >= max_entries_ && !entries_.contains(hash)) {
    MakeRoomLocked();
  }
  entries_[hash] = std::move(entry);
}

void SessionCache::Erase(const std::string& hash) {
  absl::MutexLock lock(&mu_);
  entries_.erase(hash);
}

void SessionCache::EraseUser(const std::string& user_id) {
  absl::MutexLock lock(&mu_);
  absl::erase_if(entries_,
                 [&user_id](const auto& entry) { return entry.second.user_id == user_id; });
}

std::size_t SessionCache::size() const {
  absl::ReaderMutexLock lock(&mu_);
  return entries_.size();
}

void SessionCache::MakeRoomLocked() {
  // Drop the older half by validation time: rare (the cache is sized for every live
  // session), and a dropped entry only costs one database read on its next use.
  std::vector<common::Micros> times;
  times.reserve(entries_.size());
  for (const auto& [hash, entry] : entries_) {
    times.push_back(entry.validated_at);
  }
  auto middle = times.begin() + static_cast<std::ptrdiff_t>(times.size() / 2);
  std::nth_element(times.begin(), middle, times.end());
  common::Micros cutoff = *middle;
  absl::erase_if(entries_,
                 [cutoff](const auto& entry) { return entry.second.validated_at <= cutoff; });
}

}  // namespace hub::auth
