#include "hub/runtime/local_backend.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "fmt/format.h"

#include "hub/common/log.h"
#include "hub/common/strings.h"
#include "hub/models/registry.h"
#include "hub/runtime/proc_usage.h"
#include "hub/runtime/subprocess.h"

namespace hub::runtime {
namespace {

namespace fs = std::filesystem;
using Steady = std::chrono::steady_clock;

constexpr auto kShutdownGrace = std::chrono::milliseconds(2000);
constexpr int kMaxPollMillis = 200;

int ReadPortFile(const std::string& path) {
  std::ifstream in(path);
  int port = 0;
  if (in >> port && port > 0 && port < 65536) {
    return port;
  }
  return 0;
}

// The last `count` non-empty lines of a log, joined for a one-line message.
std::string LastLines(const std::string& path, size_t count) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) {
    return "";
  }
  std::streamoff size = in.tellg();
  std::streamoff start = std::max<std::streamoff>(0, size - 4096);
  in.seekg(start);
  std::string tail((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> lines;
  for (std::string_view line : common::Split(tail, '\n')) {
    if (!common::Trim(line).empty()) {
      lines.emplace_back(common::Trim(line));
    }
  }
  if (lines.size() > count) {
    lines.erase(lines.begin(), lines.end() - static_cast<std::ptrdiff_t>(count));
  }
  return common::Join(lines, " | ");
}

// Whether the model server at `base_url` answers `/healthz` with a 2xx.
bool AnswersHealth(http::Client& client, const std::string& base_url) {
  auto health = client.Get(base_url + "/healthz", std::chrono::milliseconds(1000));
  return health.ok() && health->status >= 200 && health->status < 300;
}

std::chrono::milliseconds ReadinessPause(int attempt) {
  if (attempt < 50) {
    return std::chrono::milliseconds(2);
  }
  return std::chrono::milliseconds(attempt < 200 ? 10 : 50);
}

}  // namespace

struct LocalBackend::Process {
  InstanceSpec spec;
  std::unique_ptr<Subprocess> child;
  std::string log_path;
  std::string port_file;
  Steady::time_point started;
  int port = 0;
  bool ready = false;
  bool stop_requested = false;
  bool killed = false;
  Steady::time_point kill_at;
  std::string failure;  // why the backend killed it before readiness
};

struct LocalBackend::SpawnRequest {
  InstanceSpec spec;
  bool done = false;
  absl::Status status;
};

LocalBackend::LocalBackend(http::Client& client, LocalBackendOptions options)
    : client_(client),
      options_(std::move(options)),
      binary_(options_.binary.empty() ? "/proc/self/exe" : options_.binary),
      readiness_(8, "instance-ready") {
  std::error_code ec;
  fs::create_directories(options_.log_dir, ec);
  if (ec) {
    HUB_LOG(error, "cannot create the instance log directory", {"path", options_.log_dir},
            {"error", ec.message()});
  }
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  PruneLogs();
  monitor_ = std::thread([this] { MonitorLoop(); });
}

LocalBackend::~LocalBackend() {
  Shutdown();
  if (wake_fd_ >= 0) {
    close(wake_fd_);
  }
}

void LocalBackend::SetObserver(Observer* observer) {
  std::lock_guard<std::mutex> lock(mu_);
  observer_ = observer;
}

std::string LocalBackend::LogPath(const std::string& instance_id) const {
  return (fs::path(options_.log_dir) / (instance_id + ".log")).string();
}

std::string LocalBackend::PortFile(const std::string& instance_id) const {
  return (fs::path(options_.log_dir) / (instance_id + ".port")).string();
}

std::vector<std::string> LocalBackend::CommandLine(const InstanceSpec& spec) const {
  std::vector<std::string> argv = {binary_,
                                   "model-server",
                                   "--model",
                                   spec.model_id,
                                   "--host",
                                   options_.host,
                                   "--port",
                                   "0",
                                   "--port-file",
                                   PortFile(spec.instance_id),
                                   "--threads",
                                   std::to_string(std::max(1, spec.threads)),
                                   "--rdkit-data-dir",
                                   options_.rdkit_data_dir,
                                   "--log-level",
                                   options_.log_level};
  argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());
  return argv;
}

absl::Status LocalBackend::Start(const InstanceSpec& spec) {
  if (models::FindBuiltinModel(spec.model_id) == nullptr) {
    return absl::FailedPreconditionError(fmt::format(
        "model {} is not a built-in model, and the local backend runs only those ({}); register "
        "it with backend \"url\" and the address of a server that runs it",
        spec.model_id, common::Join(models::BuiltinModelIds(), ", ")));
  }
  auto request = std::make_shared<SpawnRequest>();
  request->spec = spec;
  std::unique_lock<std::mutex> lock(mu_);
  if (stopping_) {
    return absl::UnavailableError("the local backend is shut down");
  }
  // Children are forked by the monitor thread (PR_SET_PDEATHSIG follows the forking thread);
  // an observer reacting to an exit may call Start from that very thread.
  if (std::this_thread::get_id() == monitor_.get_id()) {
    lock.unlock();
    SpawnOne(*request);
    return request->status;
  }
  spawns_.push_back(request);
  lock.unlock();
  Wake();
  lock.lock();
  cv_.wait(lock, [&] { return request->done; });
  return request->status;
}

void LocalBackend::SpawnPending() {
  while (true) {
    std::shared_ptr<SpawnRequest> request;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (spawns_.empty()) {
        return;
      }
      request = spawns_.front();
      spawns_.pop_front();
    }
    SpawnOne(*request);
  }
}

void LocalBackend::SpawnOne(SpawnRequest& request) {
  auto process = std::make_shared<Process>();
  process->spec = request.spec;
  process->log_path = LogPath(request.spec.instance_id);
  process->port_file = PortFile(request.spec.instance_id);
  process->started = Steady::now();
  SpawnOptions spawn;
  spawn.argv = CommandLine(request.spec);
  spawn.output_path = process->log_path;
  auto child = Subprocess::Spawn(spawn);

  std::lock_guard<std::mutex> lock(mu_);
  request.done = true;
  if (!child.ok()) {
    request.status = child.status();
  } else {
    process->child = std::move(*child);
    processes_[request.spec.instance_id] = process;
    readiness_.Submit([this, process] { WaitReady(process); });
    if (++spawned_ % 50 == 0) {
      readiness_.Submit([this] { PruneLogs(); });
    }
  }
  cv_.notify_all();
}

bool LocalBackend::IsCurrent(const std::shared_ptr<Process>& process) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = processes_.find(process->spec.instance_id);
  return it != processes_.end() && it->second == process && !process->stop_requested;
}

void LocalBackend::ReportReady(const std::shared_ptr<Process>& process,
                               int port,
                               const std::string& base_url) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (processes_.count(process->spec.instance_id) == 0 || process->stop_requested) {
      return;
    }
    process->ready = true;
    process->port = port;
  }
  InstanceObservation ready;
  ready.instance_id = process->spec.instance_id;
  ready.model_id = process->spec.model_id;
  ready.phase = InstancePhase::kReady;
  ready.base_url = base_url;
  ready.details = {{"pid", process->child->pid()}, {"port", port}, {"log_file", process->log_path}};
  Report({ready});
}

void LocalBackend::WaitReady(const std::shared_ptr<Process>& process) {
  const Steady::time_point deadline = process->started + options_.ready_timeout;
  int port = 0;
  for (int attempt = 0;; ++attempt) {
    if (!IsCurrent(process)) {
      return;
    }
    if (port == 0) {
      port = ReadPortFile(process->port_file);
    }
    if (port > 0) {
      std::string base_url = fmt::format("http://{}:{}", options_.host, port);
      if (AnswersHealth(client_, base_url)) {
        ReportReady(process, port, base_url);
        return;
      }
    }
    if (Steady::now() >= deadline) {
      std::lock_guard<std::mutex> lock(mu_);
      process->failure = fmt::format(
          "not ready within {}s",
          std::chrono::duration_cast<std::chrono::seconds>(options_.ready_timeout).count());
      process->child->Signal(SIGKILL);
      return;
    }
    std::this_thread::sleep_for(ReadinessPause(attempt));
  }
}

std::optional<LocalBackend::PollPlan> LocalBackend::NextPoll() {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_ && processes_.empty() && spawns_.empty()) {
    return std::nullopt;
  }
  PollPlan plan;
  plan.timeout_ms = kMaxPollMillis;
  Steady::time_point now = Steady::now();
  for (const auto& [id, process] : processes_) {
    if (process->child->pidfd() >= 0) {
      plan.pidfds.push_back(process->child->pidfd());
    } else {
      plan.timeout_ms = std::min(plan.timeout_ms, 20);
    }
    if (process->stop_requested && !process->killed) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(process->kill_at - now);
      plan.timeout_ms = std::clamp(static_cast<int>(left.count()) + 1, 0, plan.timeout_ms);
    }
  }
  return plan;
}

void LocalBackend::MonitorLoop() {
  while (true) {
    SpawnPending();
    std::optional<PollPlan> plan = NextPoll();
    if (!plan.has_value()) {
      return;
    }
    std::vector<pollfd> fds = {{wake_fd_, POLLIN, 0}};
    for (int pidfd : plan->pidfds) {
      fds.push_back({pidfd, POLLIN, 0});
    }
    poll(fds.data(), fds.size(), plan->timeout_ms);
    std::uint64_t drained = 0;
    ssize_t ignored = read(wake_fd_, &drained, sizeof(drained));
    (void)ignored;
    std::vector<InstanceObservation> exited;
    ReapAndSignal(exited);
    Report(exited);
  }
}

void LocalBackend::ReapAndSignal(std::vector<InstanceObservation>& out) {
  struct Ended {
    std::shared_ptr<Process> process;
    ExitStatus exit;
  };

  std::vector<Ended> ended;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Steady::time_point now = Steady::now();
    for (auto it = processes_.begin(); it != processes_.end();) {
      Process& process = *it->second;
      std::optional<ExitStatus> exit = process.child->TryWait();
      if (exit.has_value()) {
        ended.push_back({it->second, *exit});
        it = processes_.erase(it);
        continue;
      }
      if (process.stop_requested && !process.killed && now >= process.kill_at) {
        process.child->Signal(SIGKILL);
        process.killed = true;
      }
      ++it;
    }
  }
  for (const Ended& e : ended) {
    const Process& p = *e.process;
    std::error_code ec;
    fs::remove(p.port_file, ec);
    InstanceObservation obs;
    obs.instance_id = p.spec.instance_id;
    obs.model_id = p.spec.model_id;
    obs.phase = InstancePhase::kExited;
    obs.details = {{"pid", p.child->pid()}, {"log_file", p.log_path}};
    obs.details[e.exit.signaled ? "signal" : "exit_code"] =
        e.exit.signaled ? e.exit.signal : e.exit.code;
    if (p.stop_requested) {
      obs.cause = ExitCause::kStopped;
      obs.message = "stopped; " + e.exit.Describe();
    } else if (!p.ready) {
      obs.cause = ExitCause::kStartFailed;
      std::string why = p.failure.empty() ? e.exit.Describe() : p.failure;
      std::string last = LastLines(p.log_path, 3);
      obs.message = last.empty() ? why : fmt::format("{}: {}", why, last);
    } else {
      obs.cause = ExitCause::kCrashed;
      obs.message = e.exit.Describe();
      if (e.exit.signaled && e.exit.signal == SIGKILL) {
        obs.message += " (sent by someone else, or the kernel's out-of-memory killer)";
      }
    }
    out.push_back(std::move(obs));
  }
}

void LocalBackend::Report(const std::vector<InstanceObservation>& observations) {
  if (observations.empty()) {
    return;
  }
  Observer* observer = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    observer = observer_;
  }
  if (observer == nullptr) {
    return;
  }
  for (const InstanceObservation& observation : observations) {
    observer->OnObservation(observation);
  }
}

void LocalBackend::Wake() const {
  std::uint64_t one = 1;
  ssize_t ignored = write(wake_fd_, &one, sizeof(one));
  (void)ignored;
}

void LocalBackend::Stop(const std::string& instance_id, std::chrono::milliseconds grace) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = processes_.find(instance_id);
    if (it == processes_.end() || it->second->stop_requested) {
      return;
    }
    Process& process = *it->second;
    process.stop_requested = true;
    process.kill_at = Steady::now() + grace;
    process.child->Signal(SIGTERM);
  }
  Wake();
}

absl::StatusOr<std::vector<InstanceObservation>> LocalBackend::ListOwned(const std::string&) {
  return std::vector<InstanceObservation>();
}

absl::StatusOr<ResourceUsage> LocalBackend::Usage(const std::string& instance_id) {
  pid_t pid = -1;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = processes_.find(instance_id);
    if (it == processes_.end()) {
      return absl::NotFoundError(fmt::format("instance {} is not running", instance_id));
    }
    pid = it->second->child->pid();
  }
  return ReadProcessUsage(pid);
}

absl::StatusOr<std::vector<std::string>> LocalBackend::Logs(const std::string& instance_id,
                                                            const LogQuery& query) {
  if (instance_id.find('/') != std::string::npos || instance_id.find("..") != std::string::npos) {
    return absl::NotFoundError("no such instance");
  }
  std::ifstream in(LogPath(instance_id));
  if (!in) {
    return absl::NotFoundError(fmt::format("no logs for instance {}", instance_id));
  }
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    lines.push_back(std::move(line));
    if (query.tail > 0 && lines.size() > static_cast<size_t>(query.tail) * 2 + 1024) {
      lines.erase(lines.begin(), lines.end() - query.tail);
    }
  }
  if (query.tail > 0 && lines.size() > static_cast<size_t>(query.tail)) {
    lines.erase(lines.begin(), lines.end() - query.tail);
  } else if (query.tail <= 0 && query.head > 0 && lines.size() > static_cast<size_t>(query.head)) {
    lines.resize(static_cast<size_t>(query.head));
  }
  return lines;
}

void LocalBackend::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!monitor_.joinable()) {
      return;
    }
    stopping_ = true;
    Steady::time_point kill_at = Steady::now() + kShutdownGrace;
    for (auto& [id, process] : processes_) {
      if (!process->stop_requested) {
        process->stop_requested = true;
        process->kill_at = kill_at;
        process->child->Signal(SIGTERM);
      }
    }
    for (auto& request : spawns_) {
      request->done = true;
      request->status = absl::UnavailableError("the local backend is shut down");
    }
    spawns_.clear();
    cv_.notify_all();
  }
  Wake();
  monitor_.join();
  readiness_.Shutdown();
}

int LocalBackend::PidForTest(const std::string& instance_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = processes_.find(instance_id);
  return it == processes_.end() ? -1 : it->second->child->pid();
}

void LocalBackend::PruneLogs() {
  std::vector<std::pair<fs::file_time_type, fs::path>> logs;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(options_.log_dir, ec)) {
    if (entry.path().extension() == ".log") {
      logs.emplace_back(entry.last_write_time(ec), entry.path());
    }
  }
  if (logs.size() <= static_cast<size_t>(options_.max_log_files)) {
    return;
  }
  std::sort(logs.begin(), logs.end());
  size_t excess = logs.size() - static_cast<size_t>(options_.max_log_files);
  for (size_t i = 0; i < excess; ++i) {
    fs::remove(logs[i].second, ec);
  }
}

}  // namespace hub::runtime
