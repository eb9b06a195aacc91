#include "hub/auth/permission_cache.h"

#include "hub/common/status_macros.h"

namespace hub::auth {

PermissionCache::PermissionCache(UserRepository& users, const common::Clock& clock)
    : users_(users), clock_(clock) {}

absl::Status PermissionCache::Reload() {
  common::Micros started = clock_.NowMicros();
  HUB_ASSIGN_OR_RETURN(std::vector<StoredPermissions> loaded, users_.AllPermissions());

  absl::flat_hash_map<std::string, StoredPermissions> fresh;
  fresh.reserve(loaded.size());
  for (StoredPermissions& entry : loaded) {
    std::string id = entry.user_id;
    fresh.emplace(std::move(id), std::move(entry));
  }

  absl::MutexLock lock(&mu_);
  // Local changes made while the query ran win over what it read.
  for (auto& [id, local] : entries_) {
    auto it = fresh.find(id);
    bool newer =
        it == fresh.end() ? local.updated_at >= started : local.updated_at > it->second.updated_at;
    if (newer) {
      fresh[id] = local;
    }
  }
  for (const auto& [id, when] : erased_) {
    if (when >= started) {
      fresh.erase(id);
    }
  }
  erased_.clear();
  entries_ = std::move(fresh);
  return absl::OkStatus();
}

absl::StatusOr<StoredPermissions> PermissionCache::Get(const std::string& user_id) {
  {
    absl::ReaderMutexLock lock(&mu_);
    auto it = entries_.find(user_id);
    if (it != entries_.end()) {
      return it->second;
    }
  }
  HUB_ASSIGN_OR_RETURN(User user, users_.FindById(user_id));
  if (user.kind != IdentityKind::kUser) {
    return absl::NotFoundError("not a registered user");
  }
  StoredPermissions entry{user.id, user.permissions, user.permissions_updated_at};
  Put(entry);
  return entry;
}

void PermissionCache::Put(StoredPermissions entry) {
  absl::MutexLock lock(&mu_);
  erased_.erase(entry.user_id);
  std::string id = entry.user_id;
  entries_[id] = std::move(entry);
}

void PermissionCache::Erase(const std::string& user_id) {
  absl::MutexLock lock(&mu_);
  entries_.erase(user_id);
  erased_[user_id] = clock_.NowMicros();
}

size_t PermissionCache::size() const {
  absl::ReaderMutexLock lock(&mu_);
  return entries_.size();
}

}  // namespace hub::auth
