#include "hub/runtime/proc_usage.h"

#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

#include "fmt/format.h"

namespace hub::runtime {

absl::StatusOr<ResourceUsage> ReadProcessUsage(pid_t pid) {
  std::ifstream stat(fmt::format("/proc/{}/stat", pid));
  std::string line;
  if (!stat || !std::getline(stat, line)) {
    return absl::NotFoundError(fmt::format("process {} does not exist", pid));
  }
  // The command name (field 2) may hold spaces and parentheses: fields count from its end.
  size_t close = line.rfind(')');
  if (close == std::string::npos) {
    return absl::DataLossError(fmt::format("cannot parse /proc/{}/stat", pid));
  }
  std::istringstream fields(line.substr(close + 2));
  std::string field;
  std::uint64_t utime = 0;
  std::uint64_t stime = 0;
  // After the name: state(3) ... utime(14) stime(15).
  for (int index = 3; index <= 15 && fields >> field; ++index) {
    if (index == 14) {
      utime = std::stoull(field);
    } else if (index == 15) {
      stime = std::stoull(field);
    }
  }
  ResourceUsage usage;
  static const std::int64_t ticks = sysconf(_SC_CLK_TCK);
  usage.cpu_seconds = static_cast<double>(utime + stime) / static_cast<double>(ticks);

  std::ifstream status(fmt::format("/proc/{}/status", pid));
  while (std::getline(status, line)) {
    std::istringstream words(line);
    std::string key;
    std::int64_t kib = 0;
    words >> key >> kib;
    if (key == "VmRSS:") {
      usage.memory_bytes = kib * 1024;
    } else if (key == "VmHWM:") {
      usage.memory_peak_bytes = kib * 1024;
    }
  }
  return usage;
}

}  // namespace hub::runtime
