#include "hub/runtime/subprocess.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "fmt/format.h"

namespace hub::runtime {
namespace {

#ifndef CLOSE_RANGE_CLOEXEC
constexpr unsigned kCloseRangeCloexec = 1u << 2;
#else
constexpr unsigned kCloseRangeCloexec = CLOSE_RANGE_CLOEXEC;
#endif

int PidfdOpen(pid_t pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
  return -1;
#endif
}

// Every descriptor from 3 up closes at exec. Only async-signal-safe calls: runs in the child.
void CloseOnExecFrom3() {
#ifdef SYS_close_range
  if (syscall(SYS_close_range, 3u, ~0u, kCloseRangeCloexec) == 0) {
    return;
  }
#endif
  for (int fd = 3; fd < 4096; ++fd) {
    fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
}

// The child's side of the spawn; never returns. Only async-signal-safe calls.
[[noreturn]] void RunChild(
    char* const* argv, int in_fd, int out_fd, int error_fd, bool die_with_parent, pid_t parent) {
  sigset_t empty;
  sigemptyset(&empty);
  pthread_sigmask(SIG_SETMASK, &empty, nullptr);
  struct sigaction dfl = {};
  dfl.sa_handler = SIG_DFL;
  sigaction(SIGPIPE, &dfl, nullptr);
  if (die_with_parent) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) {
      _exit(127);
    }
  }
  setpgid(0, 0);
  dup2(in_fd, 0);
  dup2(out_fd, 1);
  dup2(out_fd, 2);
  CloseOnExecFrom3();
  execv(argv[0], argv);
  int error = errno;
  ssize_t ignored = write(error_fd, &error, sizeof(error));
  (void)ignored;
  _exit(127);
}

// errno's text (strerror shares one buffer between threads; this is the GNU strerror_r).
std::string ErrnoText(int error) {
  char buffer[256] = {};
  return strerror_r(error, buffer, sizeof(buffer));
}

std::string_view SignalName(int signal) {
  switch (signal) {
    case SIGKILL:
      return "SIGKILL";
    case SIGTERM:
      return "SIGTERM";
    case SIGSEGV:
      return "SIGSEGV";
    case SIGABRT:
      return "SIGABRT";
    case SIGINT:
      return "SIGINT";
    case SIGBUS:
      return "SIGBUS";
    default:
      return "signal";
  }
}

}  // namespace

std::string ExitStatus::Describe() const {
  if (signaled) {
    return fmt::format("killed by signal {} ({})", signal, SignalName(signal));
  }
  return fmt::format("exited with code {}", code);
}

absl::StatusOr<std::unique_ptr<Subprocess>> Subprocess::Spawn(const SpawnOptions& options) {
  if (options.argv.empty()) {
    return absl::InvalidArgumentError("no program to run");
  }
  std::vector<char*> argv;
  for (const std::string& arg : options.argv) {
    argv.push_back(const_cast<char*>(arg.c_str()));
  }
  argv.push_back(nullptr);

  const char* out_path = options.output_path.empty() ? "/dev/null" : options.output_path.c_str();
  int out_fd = open(out_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (out_fd < 0) {
    return absl::UnavailableError(fmt::format("cannot open {}: {}", out_path, ErrnoText(errno)));
  }
  int in_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  int error_pipe[2] = {-1, -1};
  if (in_fd < 0 || pipe2(error_pipe, O_CLOEXEC) != 0) {
    int error = errno;
    close(out_fd);
    if (in_fd >= 0) {
      close(in_fd);
    }
    return absl::UnavailableError(
        fmt::format("cannot prepare a child process: {}", ErrnoText(error)));
  }

  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    RunChild(argv.data(), in_fd, out_fd, error_pipe[1], options.die_with_parent, parent);
  }
  int fork_error = errno;
  close(out_fd);
  close(in_fd);
  close(error_pipe[1]);
  if (pid < 0) {
    close(error_pipe[0]);
    return absl::UnavailableError(fmt::format("fork failed: {}", ErrnoText(fork_error)));
  }

  // The pipe closes at exec; a value in it is exec's errno.
  int exec_error = 0;
  ssize_t got;
  do {
    got = read(error_pipe[0], &exec_error, sizeof(exec_error));
  } while (got < 0 && errno == EINTR);
  close(error_pipe[0]);
  if (got == sizeof(exec_error)) {
    int status = 0;
    waitpid(pid, &status, 0);
    return absl::UnavailableError(
        fmt::format("cannot run {}: {}", options.argv[0], ErrnoText(exec_error)));
  }
  return std::unique_ptr<Subprocess>(new Subprocess(pid, PidfdOpen(pid)));
}

Subprocess::~Subprocess() {
  if (!exit_.has_value()) {
    kill(pid_, SIGKILL);
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  if (pidfd_ >= 0) {
    close(pidfd_);
  }
}

bool Subprocess::Signal(int signal) {
  if (exit_.has_value()) {
    return false;
  }
  return kill(pid_, signal) == 0;
}

std::optional<ExitStatus> Subprocess::TryWait() {
  if (exit_.has_value()) {
    return exit_;
  }
  int status = 0;
  pid_t done = waitpid(pid_, &status, WNOHANG);
  if (done != pid_) {
    return std::nullopt;
  }
  ExitStatus exit;
  if (WIFSIGNALED(status)) {
    exit.signaled = true;
    exit.signal = WTERMSIG(status);
  } else {
    exit.code = WEXITSTATUS(status);
  }
  exit_ = exit;
  return exit_;
}

}  // namespace hub::runtime
