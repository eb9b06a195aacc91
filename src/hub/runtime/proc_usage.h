#pragma once

// CPU and memory of a process from /proc (Linux).

#include <sys/types.h>

#include "absl/status/statusor.h"

#include "hub/runtime/instance_backend.h"

namespace hub::runtime {

// Reads `/proc/<pid>/stat` (utime + stime) and `/proc/<pid>/status` (VmRSS, VmHWM). `kNotFound`
// when the process does not exist; `kDataLoss` when the files cannot be parsed. `sampled_at`
// is left 0 for the caller to set.
[[nodiscard]] absl::StatusOr<ResourceUsage> ReadProcessUsage(pid_t pid);

}  // namespace hub::runtime
