#include "tests/support/hub_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "fmt/format.h"

namespace hub::test_support {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string Tail(const std::string& text, size_t bytes) {
  return text.size() <= bytes ? text : text.substr(text.size() - bytes);
}

// fork + exec with stdout/stderr to `log_path`; returns the child's pid or -1.
pid_t Spawn(const std::vector<std::string>& args,
            const std::vector<std::pair<std::string, std::string>>& env,
            const std::string& log_path) {
  pid_t pid = fork();
  if (pid != 0) {
    return pid;
  }
  int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  dup2(fd, 1);
  dup2(fd, 2);
  close(fd);
  // The test may block signals in its threads; the child must see SIGTERM normally.
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  for (const auto& [key, value] : env) {
    setenv(key.c_str(), value.c_str(), 1);
  }
  std::vector<char*> argv;
  for (const std::string& arg : args) {
    argv.push_back(const_cast<char*>(arg.c_str()));
  }
  argv.push_back(nullptr);
  execv(argv[0], argv.data());
  _exit(127);
}

int DecodeStatus(int status) {
  if (WIFEXITED(status)) {
    return WEXITSTATUS(status);
  }
  return WIFSIGNALED(status) ? -WTERMSIG(status) : -1;
}

}  // namespace

std::string HubBinary() {
  const char* binary = std::getenv("HUB_BINARY");
  return binary != nullptr ? binary : "ersilia-hub";
}

std::string SourceDir() {
  const char* dir = std::getenv("HUB_SOURCE_DIR");
  return dir != nullptr ? dir : ".";
}

std::string SharedDataDir() {
  return SourceDir() + "/../shared/data";
}

std::string MakeTempDir(std::string_view prefix) {
  static std::atomic<int> counter{0};
  std::string base = std::getenv("TMPDIR") != nullptr ? std::getenv("TMPDIR") : "/tmp";
  std::string dir = fmt::format("{}/hub-{}-{}-{}", base, prefix, getpid(), counter++);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

CommandResult RunCommand(const std::vector<std::string>& args,
                         const std::vector<std::pair<std::string, std::string>>& env,
                         std::chrono::seconds timeout) {
  std::string log = MakeTempDir("cmd") + "/output.txt";
  pid_t pid = Spawn(args, env, log);
  CommandResult result;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  result.exit_code = DecodeStatus(status);
  result.output = ReadFile(log);
  return result;
}

absl::StatusOr<std::unique_ptr<HubProcess>> HubProcess::Start(Options options) {
  auto process = std::unique_ptr<HubProcess>(new HubProcess());
  process->data_dir_ = options.data_dir.empty() ? MakeTempDir("hub") : options.data_dir;
  process->log_path_ = process->data_dir_ + "/hub.log";
  std::string port_file = process->data_dir_ + "/port";
  std::filesystem::remove(port_file);

  std::vector<std::string> args = {HubBinary()};
  args.insert(args.end(), options.args.begin(), options.args.end());
  auto has = [&args](std::string_view flag) {
    return std::find(args.begin(), args.end(), flag) != args.end();
  };
  if (!has("--port-file")) {
    args.insert(args.end(), {"--port-file", port_file});
  }
  bool hub_command =
      !options.args.empty() && (options.args[0] == "serve" || options.args[0] == "migrate");
  if (hub_command && !has("--data-dir")) {
    args.insert(args.end(), {"--data-dir", process->data_dir_});
  }
  process->pid_ = Spawn(args, options.env, process->log_path_);

  auto deadline = std::chrono::steady_clock::now() + options.start_timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (std::filesystem::exists(port_file)) {
      process->port_ = std::stoi(ReadFile(port_file));
      return process;
    }
    if (!process->Running()) {
      return absl::FailedPreconditionError(
          fmt::format("hub exited with {} before listening; log:\n{}", process->exit_code_,
                      Tail(process->Log(), 4000)));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  process->Kill();
  return absl::DeadlineExceededError(
      fmt::format("hub did not listen in time; log:\n{}", Tail(process->Log(), 4000)));
}

HubProcess::~HubProcess() {
  if (Running()) {
    Stop(std::chrono::seconds(10));
  }
}

std::string HubProcess::Url(std::string_view path) const {
  return fmt::format("http://127.0.0.1:{}{}", port_, path);
}

bool HubProcess::Running() const {
  if (exited_) {
    return false;
  }
  int status = 0;
  pid_t got = waitpid(pid_, &status, WNOHANG);
  if (got == pid_) {
    auto* self = const_cast<HubProcess*>(this);
    self->exited_ = true;
    self->exit_code_ = DecodeStatus(status);
    return false;
  }
  return got == 0;
}

int HubProcess::Wait(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (Running()) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid_, SIGKILL);
      int status = 0;
      waitpid(pid_, &status, 0);
      exited_ = true;
      exit_code_ = DecodeStatus(status);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return exit_code_;
}

int HubProcess::Stop(std::chrono::seconds timeout) {
  if (Running()) {
    kill(pid_, SIGTERM);
  }
  return Wait(timeout);
}

void HubProcess::Kill() {
  if (Running()) {
    kill(pid_, SIGKILL);
  }
  Wait(std::chrono::seconds(10));
}

std::string HubProcess::Log() const {
  return ReadFile(log_path_);
}

}  // namespace hub::test_support
