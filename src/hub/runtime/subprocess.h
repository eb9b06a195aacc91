#pragma once

// A child process: spawned with its output appended to a file, watched through a pidfd (so a
// poll() loop learns of its exit at once), signalled and reaped.
//
// The child starts with an empty signal mask and default SIGPIPE (the hub blocks SIGTERM and
// ignores SIGPIPE; a child must not inherit that), no inherited descriptors besides stdin
// (/dev/null), stdout and stderr, its own process group, and, with `die_with_parent`, a
// SIGKILL when the thread that spawned it exits (PR_SET_PDEATHSIG), so model servers never
// outlive a hub that was killed. Spawn from a thread that lives as long as the children.
//
// Thread-safety: `Spawn` is thread-safe; a `Subprocess` belongs to one thread at a time.

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace hub::runtime {

// How a process ended.
struct ExitStatus {
  bool signaled = false;
  int code = 0;    // exit code when not signaled
  int signal = 0;  // signal number when signaled

  // "exited with code 1", "killed by signal 9 (SIGKILL)".
  std::string Describe() const;
};

struct SpawnOptions {
  // argv[0] is the program's path.
  std::vector<std::string> argv;
  // stdout and stderr are appended to this file (created when missing); empty: /dev/null.
  std::string output_path;
  bool die_with_parent = true;
};

class Subprocess final {
public:
  // Starts the program. Errors: `kInvalidArgument` for an empty argv; `kUnavailable` when the
  // output file cannot be opened, fork fails, or exec fails (the message has errno's text).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Subprocess>> Spawn(
      const SpawnOptions& options);

  // Kills (SIGKILL) and reaps the process when it is still running; closes the pidfd.
  ~Subprocess();

  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  pid_t pid() const { return pid_; }

  // A descriptor that polls readable when the process exits; -1 when the kernel lacks
  // pidfd_open (then callers poll `TryWait`).
  int pidfd() const { return pidfd_; }

  // Sends `signal`; false when the process was already reaped.
  bool Signal(int signal);

  // Reaps the process when it has exited and returns how; nullopt while it runs. After the
  // first exit status, returns the same one.
  std::optional<ExitStatus> TryWait();

private:
  Subprocess(pid_t pid, int pidfd) : pid_(pid), pidfd_(pidfd) {}

  pid_t pid_;
  int pidfd_;
  std::optional<ExitStatus> exit_;
};

}  // namespace hub::runtime
