// Load generator for `ersilia-hub model-server`: sends a CSV of SMILES to `POST /run` in
// fixed-size chunks over keep-alive connections, checks every answer, and reports molecules
// per second together with the CPU time the server process used.
//
//   http_load --binary build/src/hub/cli/ersilia-hub --model eos3b5e --threads 1
//             --input ../shared/data/molecules_50k.csv [--limit N] [--chunk 1000]
//             [--clients 1] [--server-cpus 0] [--client-cpus 1]
//   http_load --url http://127.0.0.1:PORT --server-pid PID --model eos3b5e ...
//
// With `--binary` it starts the model server itself (on port 0, optionally pinned to
// `--server-cpus` like `taskset -c`) and stops it at the end; with `--url` it drives a server
// that is already running, whose CPU time it reads when `--server-pid` is given.
//
// Before measuring it sends `--warmup` molecules and then `--warm-requests` full-size chunks
// of one molecule repeated, so that the measurement sees a warmed-up server (every HTTP
// worker thread has rendered an answer of that size once).
//
// Each of `--clients` threads sends one chunk at a time and waits for its answer, as the
// hub's chunk runner does with one model instance. An answer must be HTTP 200 with a JSON
// array of one object per molecule, each with the model's columns. Every answer is counted
// as it arrives, so the client holds no whole answer (a fingerprint answer is 26 MB); the
// first answer of each client is also parsed in full, overlapping the next request. Any
// failed check fails the run (exit code 1).
//
// Prints one JSON object on stdout: model, threads, clients, chunk, molecules, row_errors
// (X-Hub-Row-Errors summed), seconds, mol_per_s, server_cpu_s, mol_per_server_cpu_s,
// server_cores (CPU seconds per wall second), client_cpu_s, others_cores (cores busy with
// other processes of the machine during the run) and response_bytes_per_mol.

#include <sched.h>
#include <signal.h>
#include <simdjson.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "fmt/format.h"

#include "hub/common/csv.h"
#include "hub/common/number_format.h"
#include "hub/common/strings.h"
#include "hub/http/client.h"
#include "hub/models/metadata.h"
#include "hub/models/protocol.h"

#include "CLI/CLI.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string binary;
  std::string url;
  int server_pid = 0;
  std::string model;
  int threads = 1;
  size_t clients = 1;
  std::string input;
  size_t limit = 0;
  size_t chunk = 1000;
  size_t warmup = 200;
  size_t warm_requests = 16;
  std::string server_cpus;
  std::string client_cpus;
  std::string log_path;
};

void Print(const absl::Status& status) {
  std::fprintf(stderr, "http_load: %s\n", std::string(status.message()).c_str());
}

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// CPU time of this process (all client threads and the checks).
double OwnCpuSeconds() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

// CPU seconds of the server process: all threads, and those of its compute pool (threads
// named "compute-<i>" by `common::ThreadPool`). The rest is HTTP I/O, request parsing and
// rendering, which a batch does on one thread.
struct ServerCpu {
  double total = 0;
  double compute = 0;
};

// Sums the threads' time on a CPU from /proc/<pid>/task/<tid>/schedstat (nanoseconds, where
// /proc/<pid>/stat counts 10 ms ticks). The server's threads live as long as it does, so the
// difference of two readings is the CPU time in between.
ServerCpu ReadServerCpu(int pid) {
  ServerCpu cpu;
  if (pid == 0) {
    return cpu;
  }
  std::error_code error;
  for (const auto& task :
       std::filesystem::directory_iterator(fmt::format("/proc/{}/task", pid), error)) {
    std::ifstream schedstat(task.path() / "schedstat");
    std::ifstream comm(task.path() / "comm");
    double nanoseconds = 0;
    std::string name;
    if (!(schedstat >> nanoseconds) || !std::getline(comm, name)) {
      continue;
    }
    cpu.total += nanoseconds * 1e-9;
    if (name.rfind("compute-", 0) == 0) {
      cpu.compute += nanoseconds * 1e-9;
    }
  }
  return cpu;
}

// CPU time of the calling thread.
double ThreadCpuSeconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

// CPU seconds every core of the machine has spent busy (/proc/stat's first line; idle and
// iowait excluded). Differences of this, minus the server's and our own CPU time, say how
// much else the machine ran during a measurement.
double MachineBusySeconds() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  double user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
  return (user + nice + system + irq + softirq + steal) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Parses a `taskset -c` list ("0", "0,1", "0-1") into a CPU set.
absl::StatusOr<cpu_set_t> ParseCpuList(const std::string& list) {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (std::string_view part : hub::common::Split(list, ',')) {
    const size_t dash = part.find('-');
    try {
      const int first = std::stoi(std::string(part.substr(0, dash)));
      const int last =
          dash == std::string_view::npos ? first : std::stoi(std::string(part.substr(dash + 1)));
      for (int cpu = first; cpu <= last && cpu < CPU_SETSIZE; ++cpu) {
        CPU_SET(cpu, &set);
      }
    } catch (const std::exception&) {
      return absl::InvalidArgumentError(fmt::format("bad CPU list '{}'", list));
    }
  }
  return set;
}

// A model server started for the run; stopped (SIGTERM, then waited for) on destruction.
class ServerProcess final {
public:
  // Starts `options.binary model-server` on port 0 and waits until it listens (at most a
  // minute). Returns Unavailable with the tail of its log when it exits or never listens.
  static absl::StatusOr<std::unique_ptr<ServerProcess>> Start(const Options& options);

  ~ServerProcess() {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
  }

  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  int pid() const { return pid_; }

  int port() const { return port_; }

private:
  ServerProcess(int pid, int port) : pid_(pid), port_(port) {}

  int pid_;
  int port_;
};

std::string LogTail(const std::string& path) {
  std::ifstream in(path);
  std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return log.size() <= 2000 ? log : log.substr(log.size() - 2000);
}

absl::StatusOr<std::unique_ptr<ServerProcess>> ServerProcess::Start(const Options& options) {
  std::optional<cpu_set_t> cpus;
  if (!options.server_cpus.empty()) {
    auto parsed = ParseCpuList(options.server_cpus);
    if (!parsed.ok()) {
      return parsed.status();
    }
    cpus = *parsed;
  }
  const std::string port_file = fmt::format("{}.port", options.log_path);
  std::filesystem::remove(port_file);
  std::vector<std::string> args = {options.binary, "model-server",
                                   "--model",      options.model,
                                   "--port",       "0",
                                   "--threads",    std::to_string(options.threads),
                                   "--port-file",  port_file,
                                   "--log-level",  "warn"};

  const pid_t pid = fork();
  if (pid == 0) {
    std::FILE* log = std::fopen(options.log_path.c_str(), "w");
    if (log != nullptr) {
      dup2(fileno(log), 1);
      dup2(fileno(log), 2);
    }
    if (cpus && sched_setaffinity(0, sizeof(*cpus), &*cpus) != 0) {
      std::perror("sched_setaffinity");
      _exit(126);
    }
    std::vector<char*> argv;
    for (std::string& arg : args) {
      argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    std::perror("execv");
    _exit(127);
  }

  const Clock::time_point start = Clock::now();
  while (Seconds(start) < 60) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      return absl::UnavailableError(
          fmt::format("model server exited before listening:\n{}", LogTail(options.log_path)));
    }
    std::ifstream in(port_file);
    int port = 0;
    if (in >> port && port > 0) {
      return std::unique_ptr<ServerProcess>(new ServerProcess(pid, port));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  return absl::UnavailableError(
      fmt::format("model server did not listen within 60 s:\n{}", LogTail(options.log_path)));
}

std::vector<std::string> ReadSmiles(const std::string& path, size_t limit) {
  auto rows = hub::common::ReadCsvFile(path);
  std::vector<std::string> smiles;
  if (!rows.ok()) {
    Print(rows.status());
    return smiles;
  }
  for (size_t i = 1; i < rows->size() && (limit == 0 || smiles.size() < limit); ++i) {
    smiles.push_back((*rows)[i].empty() ? "" : (*rows)[i][0]);
  }
  return smiles;
}

// One request body per chunk: a JSON array of SMILES strings.
struct Chunk {
  std::string body;
  size_t molecules = 0;
};

std::vector<Chunk> MakeChunks(const std::vector<std::string>& smiles, size_t begin, size_t size) {
  std::vector<Chunk> chunks;
  for (size_t first = begin; first < smiles.size(); first += size) {
    Chunk chunk;
    chunk.body = "[";
    for (size_t i = first; i < std::min(smiles.size(), first + size); ++i) {
      chunk.body += i == first ? "" : ",";
      hub::common::AppendJsonString(chunk.body, smiles[i]);
      ++chunk.molecules;
    }
    chunk.body += "]";
    chunks.push_back(std::move(chunk));
  }
  return chunks;
}

// Occurrences of `c` in `text`, eight bytes at a time (SWAR): in `x = word ^ pattern` a byte
// is zero exactly where `word` holds `c`; `((x & 0x7f..) + 0x7f..) | x` sets the high bit of
// every non-zero byte without carrying into the next, so the complement's high bits mark the
// matches. Per-byte match counts are summed in one word for up to 255 words at a time.
size_t CountByte(std::string_view text, char c) {
  constexpr std::uint64_t kLow7 = 0x7f7f7f7f7f7f7f7fULL;
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  const std::uint64_t pattern = kOnes * static_cast<unsigned char>(c);
  size_t count = 0;
  size_t i = 0;
  while (i + 8 <= text.size()) {
    std::uint64_t bytes = 0;  // eight per-byte counters
    for (int n = 0; n < 255 && i + 8 <= text.size(); ++n, i += 8) {
      std::uint64_t word;
      std::memcpy(&word, text.data() + i, 8);
      const std::uint64_t x = word ^ pattern;
      bytes += (~(((x & kLow7) + kLow7) | x) >> 7) & kOnes;
    }
    const std::uint64_t pairs =
        (bytes & 0x00ff00ff00ff00ffULL) + ((bytes >> 8) & 0x00ff00ff00ff00ffULL);
    count += static_cast<size_t>((pairs * 0x0001000100010001ULL) >> 48);
  }
  for (; i < text.size(); ++i) {
    count += text[i] == c ? 1 : 0;
  }
  return count;
}

// Counts an `orient=records` answer as it arrives, piece by piece (curl hands over up to
// 512 KB at a time, still in the cache the kernel copied it through), so the client never
// holds the answer whole unless it is to be parsed. Records rows are flat objects whose keys
// (the column names) hold no ':' and whose values are numbers or null, so an answer of the
// right shape starts with '[', ends with ']' and has `rows` '{' and '}' and `rows * columns`
// ':'.
class AnswerCounter final {
public:
  // With `keep`, the whole answer is also kept for `TakeText` (to be parsed in full);
  // otherwise only its first bytes, for error messages.
  explicit AnswerCounter(bool keep) : keep_(keep) {}

  void Add(std::string_view data) {
    const double cpu_start = ThreadCpuSeconds();
    if (bytes_ == 0 && !data.empty()) {
      first_ = data.front();
    }
    if (!data.empty()) {
      last_ = data.back();
    }
    bytes_ += data.size();
    opens_ += CountByte(data, '{');
    closes_ += CountByte(data, '}');
    colons_ += CountByte(data, ':');
    const size_t room = keep_ ? data.size() : std::min(data.size(), kSnippet - text_.size());
    text_.append(data.substr(0, room));
    cpu_ += ThreadCpuSeconds() - cpu_start;
  }

  // OK when the counts are those of `rows` objects of `columns` fields.
  absl::Status Check(size_t rows, size_t columns) const {
    if (bytes_ == 0 || first_ != '[' || last_ != ']' || opens_ != rows || closes_ != rows ||
        colons_ != rows * columns) {
      return absl::DataLossError(
          fmt::format("expected {} rows of {} fields; the answer has {} '{{', {} '}}', {} ':'",
                      rows, columns, opens_, closes_, colons_));
    }
    return absl::OkStatus();
  }

  size_t bytes() const { return bytes_; }

  // CPU seconds spent counting.
  double cpu() const { return cpu_; }

  // The answer (with `keep`) or its first bytes.
  std::string TakeText() { return std::move(text_); }

private:
  static constexpr size_t kSnippet = 500;

  bool keep_;
  size_t bytes_ = 0;
  size_t opens_ = 0;
  size_t closes_ = 0;
  size_t colons_ = 0;
  char first_ = 0;
  char last_ = 0;
  std::string text_;
  double cpu_ = 0;
};

// Parses an `orient=records` answer with simdjson, checking that it is a JSON array of `rows`
// objects of `columns` fields each. Returns the CPU seconds the parse took.
absl::StatusOr<double> ParseRecords(simdjson::ondemand::parser& parser,
                                    std::string body,
                                    size_t rows,
                                    size_t columns) {
  const double cpu_start = ThreadCpuSeconds();
  const size_t length = body.size();
  body.append(simdjson::SIMDJSON_PADDING, ' ');
  simdjson::ondemand::document doc;
  simdjson::ondemand::array array;
  if (parser.iterate(body.data(), length, body.size()).get(doc) != simdjson::SUCCESS ||
      doc.get_array().get(array) != simdjson::SUCCESS) {
    return absl::DataLossError("the answer is not a JSON array");
  }
  size_t seen = 0;
  for (auto item : array) {
    simdjson::ondemand::object object;
    size_t fields = 0;
    if (item.get_object().get(object) != simdjson::SUCCESS ||
        object.count_fields().get(fields) != simdjson::SUCCESS || fields != columns) {
      return absl::DataLossError(
          fmt::format("row {} is not an object of {} fields", seen, columns));
    }
    ++seen;
  }
  if (seen != rows) {
    return absl::DataLossError(fmt::format("{} rows for {} molecules", seen, rows));
  }
  return ThreadCpuSeconds() - cpu_start;
}

// What the clients saw and spent.
struct Totals {
  size_t molecules = 0;
  size_t row_errors = 0;
  size_t response_bytes = 0;
  // CPU of the client threads sending and receiving (on the request's critical path), and
  // of the checks (counting as the answer arrives, on the critical path too, and the first
  // answer's full parse, overlapping the next request).
  double transfer_cpu = 0;
  double check_cpu = 0;

  void Add(const Totals& other) {
    molecules += other.molecules;
    row_errors += other.row_errors;
    response_bytes += other.response_bytes;
    transfer_cpu += other.transfer_cpu;
    check_cpu += other.check_cpu;
  }
};

// One client: sends chunks `next++` one at a time until none are left. Every answer is
// counted while it arrives (`AnswerCounter`); the client's first answer is also parsed in
// full, while the next request runs. Stops at the first failure.
absl::Status ClientLoop(hub::http::Client& client,
                        const std::string& url,
                        const std::vector<Chunk>& chunks,
                        size_t columns,
                        std::atomic<size_t>& next,
                        Totals& totals) {
  const double cpu_start = ThreadCpuSeconds();
  simdjson::ondemand::parser parser;
  std::future<absl::StatusOr<double>> pending_parse;
  auto wait_parse = [&]() -> absl::Status {
    if (!pending_parse.valid()) {
      return absl::OkStatus();
    }
    absl::StatusOr<double> cpu = pending_parse.get();
    totals.check_cpu += cpu.ok() ? *cpu : 0;
    return cpu.status();
  };

  absl::Status status;
  bool first_answer = true;
  double counted_cpu = 0;  // the counting, on this thread
  for (size_t i = next++; i < chunks.size() && status.ok(); i = next++) {
    AnswerCounter counter(/*keep=*/first_answer);
    hub::http::ClientRequest request;
    request.method = hub::http::Method::kPost;
    request.url = url + "/run";
    request.body = chunks[i].body;
    request.headers.Set("Content-Type", "application/json");
    request.timeout = std::chrono::minutes(30);
    request.on_data = [&counter](std::string_view data) {
      counter.Add(data);
      return true;
    };
    auto response = client.Send(request);
    totals.check_cpu += counter.cpu();
    counted_cpu += counter.cpu();
    status.Update(wait_parse());
    if (!response.ok()) {
      status.Update(response.status());
      break;
    }
    if (response->status != 200) {
      status.Update(absl::InternalError(
          fmt::format("HTTP {}: {}", response->status, counter.TakeText().substr(0, 500))));
      break;
    }
    status.Update(counter.Check(chunks[i].molecules, columns));
    auto errors = response->headers.Get(hub::models::kRowErrorsHeader);
    totals.row_errors += errors ? std::stoul(std::string(*errors)) : 0;
    totals.molecules += chunks[i].molecules;
    totals.response_bytes += counter.bytes();
    if (first_answer) {
      pending_parse = std::async(std::launch::async, ParseRecords, std::ref(parser),
                                 counter.TakeText(), chunks[i].molecules, columns);
    }
    first_answer = false;
  }
  status.Update(wait_parse());
  totals.transfer_cpu = ThreadCpuSeconds() - cpu_start - counted_cpu;
  return status;
}

// Sends `chunks` over `clients` threads, each taking the next unsent chunk when its previous
// answer arrives. Returns the first failure (transport, status, or a wrong answer).
absl::StatusOr<Totals> Drive(hub::http::Client& client,
                             const std::string& url,
                             const std::vector<Chunk>& chunks,
                             size_t clients,
                             size_t columns) {
  std::atomic<size_t> next{0};
  std::vector<Totals> per_client(clients);
  std::vector<absl::Status> statuses(clients);
  std::vector<std::thread> threads;
  for (size_t c = 0; c < clients; ++c) {
    threads.emplace_back(
        [&, c] { statuses[c] = ClientLoop(client, url, chunks, columns, next, per_client[c]); });
  }
  Totals totals;
  absl::Status failure;
  for (size_t c = 0; c < clients; ++c) {
    threads[c].join();
    totals.Add(per_client[c]);
    failure.Update(statuses[c]);
  }
  if (!failure.ok()) {
    return failure;
  }
  return totals;
}

// One measured run, with the CPU time each party used.
struct Measurement {
  Totals totals;
  double seconds = 0;
  ServerCpu server;
  double others_cores = 0;
};

void PrintMeasurement(const Options& options, const Measurement& m) {
  const double n = static_cast<double>(m.totals.molecules);
  const double serial_cpu = m.server.total - m.server.compute;
  std::printf(
      "{\"mode\":\"http\",\"model\":\"%s\",\"threads\":%d,\"clients\":%zu,\"chunk\":%zu,"
      "\"molecules\":%zu,\"row_errors\":%zu,\"seconds\":%.3f,\"mol_per_s\":%.1f,"
      "\"server_cpu_s\":%.3f,\"server_compute_cpu_s\":%.3f,\"server_other_cpu_s\":%.3f,"
      "\"mol_per_server_cpu_s\":%.1f,\"server_cores\":%.2f,\"client_transfer_cpu_s\":%.3f,"
      "\"client_check_cpu_s\":%.3f,\"others_cores\":%.2f,\"response_bytes_per_mol\":%.0f}\n",
      options.model.c_str(), options.threads, options.clients, options.chunk, m.totals.molecules,
      m.totals.row_errors, m.seconds, n / m.seconds, m.server.total, m.server.compute, serial_cpu,
      m.server.total > 0 ? n / m.server.total : 0.0, m.server.total / m.seconds,
      m.totals.transfer_cpu, m.totals.check_cpu, m.others_cores,
      static_cast<double>(m.totals.response_bytes) / n);
}

absl::StatusOr<Measurement> Measure(hub::http::Client& client,
                                    const Options& options,
                                    const std::vector<Chunk>& chunks,
                                    size_t columns) {
  Measurement m;
  const ServerCpu server_start = ReadServerCpu(options.server_pid);
  const double own_cpu_start = OwnCpuSeconds();
  const double busy_start = MachineBusySeconds();
  const Clock::time_point start = Clock::now();
  auto totals = Drive(client, options.url, chunks, options.clients, columns);
  m.seconds = Seconds(start);
  const ServerCpu server_end = ReadServerCpu(options.server_pid);
  const double own_cpu = OwnCpuSeconds() - own_cpu_start;
  const double busy = MachineBusySeconds() - busy_start;
  if (!totals.ok()) {
    return totals.status();
  }
  m.totals = *totals;
  m.server.total = server_end.total - server_start.total;
  m.server.compute = server_end.compute - server_start.compute;
  m.others_cores = std::max(0.0, (busy - m.server.total - own_cpu) / m.seconds);
  return m;
}

int Run(Options options) {
  if (!options.client_cpus.empty()) {
    auto cpus = ParseCpuList(options.client_cpus);
    if (!cpus.ok() || sched_setaffinity(0, sizeof(*cpus), &*cpus) != 0) {
      Print(absl::InvalidArgumentError("cannot pin the client to --client-cpus"));
      return 1;
    }
  }
  auto info = hub::models::LoadModelInfo(options.model, "");
  if (!info.ok()) {
    Print(info.status());
    return 1;
  }
  const std::vector<std::string> smiles = ReadSmiles(options.input, options.limit);
  if (smiles.empty()) {
    Print(absl::InvalidArgumentError(fmt::format("no molecules in {}", options.input)));
    return 1;
  }
  // Warm-up: the first molecules (lazily built RDKit tables), then full-size answers of one
  // molecule repeated (computed once, as a batch computes duplicates once, but rendered and
  // sent `chunk` times), enough for each of the server's HTTP worker threads to have served
  // one. A fresh worker faults in the pages of its first 27 MB fingerprint answer (about
  // 20 ms); a long-running server has paid that long ago.
  std::vector<Chunk> warmup =
      MakeChunks(std::vector<std::string>(smiles.begin(),
                                          smiles.begin() + std::min(options.warmup, smiles.size())),
                 0, options.chunk);
  const std::vector<Chunk> repeated =
      MakeChunks(std::vector<std::string>(options.chunk, smiles.front()), 0, options.chunk);
  for (size_t i = 0; i < options.warm_requests; ++i) {
    warmup.push_back(repeated.front());
  }
  const std::vector<Chunk> chunks = MakeChunks(smiles, 0, options.chunk);

  std::unique_ptr<ServerProcess> server;
  if (options.url.empty()) {
    if (options.log_path.empty()) {
      options.log_path = fmt::format("/tmp/http_load-{}-{}.log", options.model, getpid());
    }
    auto started = ServerProcess::Start(options);
    if (!started.ok()) {
      Print(started.status());
      return 1;
    }
    server = std::move(*started);
    options.url = fmt::format("http://127.0.0.1:{}", server->port());
    options.server_pid = server->pid();
  }

  hub::http::Client client;
  if (auto status = Drive(client, options.url, warmup, options.clients, info->columns.size());
      !status.ok()) {
    Print(status.status());
    return 1;
  }
  auto measurement = Measure(client, options, chunks, info->columns.size());
  if (!measurement.ok()) {
    Print(measurement.status());
    return 1;
  }
  PrintMeasurement(options, *measurement);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("POST /run load generator for ersilia-hub model-server");
  Options options;
  auto* binary = app.add_option("--binary", options.binary, "ersilia-hub binary to start");
  auto* url = app.add_option("--url", options.url, "a running server, e.g. http://127.0.0.1:8080");
  binary->excludes(url);
  app.add_option("--server-pid", options.server_pid, "its pid, to read its CPU time")->needs(url);
  app.add_option("--model", options.model, "model id")->required();
  app.add_option("--threads", options.threads, "the server's --threads")->capture_default_str();
  app.add_option("--clients", options.clients, "concurrent clients")->capture_default_str();
  app.add_option("--input", options.input, "CSV with a header; SMILES in the first column")
      ->required();
  app.add_option("--limit", options.limit, "use only the first N molecules (0: all)");
  app.add_option("--chunk", options.chunk, "molecules per request")->capture_default_str();
  app.add_option("--warmup", options.warmup, "molecules sent once before measuring")
      ->capture_default_str();
  app.add_option("--warm-requests", options.warm_requests,
                 "then this many chunks of the first molecule repeated")
      ->capture_default_str();
  app.add_option("--server-cpus", options.server_cpus, "pin the started server (taskset -c list)")
      ->needs(binary);
  app.add_option("--client-cpus", options.client_cpus, "pin this process (taskset -c list)");
  app.add_option("--log", options.log_path, "the started server's log file")->needs(binary);
  CLI11_PARSE(app, argc, argv);
  if (options.binary.empty() && options.url.empty()) {
    std::fprintf(stderr, "http_load: give --binary or --url\n");
    return 2;
  }
  if (options.chunk == 0 || options.clients == 0) {
    std::fprintf(stderr, "http_load: --chunk and --clients must be positive\n");
    return 2;
  }
  return Run(std::move(options));
}
