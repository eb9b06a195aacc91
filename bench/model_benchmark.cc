// In-process throughput of the built-in models: molecules per second for parsing and
// computing (`RunBatch`) and for that plus rendering the `/run` JSON answer
// (`RenderRunJson`, orient=records), per model and thread count, on a CSV of SMILES.
//
//   model_benchmark --input ../shared/data/molecules_50k.csv --models eos3b5e,eos4wt0
//                   --threads 1,2 [--limit N] [--batch 1000]
//
// Prints one JSON object per line (model, threads, molecules, compute_mol_per_s,
// compute_mol_per_cpu_s, with_json_mol_per_s, with_json_mol_per_cpu_s, compute_cpu_s,
// render_cpu_s, json_bytes_per_mol); bench/run_models.sh tabulates them next to the Python
// baseline and the HTTP measurements of bench/http_load.

#include <time.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "fmt/format.h"

#include "hub/common/csv.h"
#include "hub/common/strings.h"
#include "hub/common/thread_pool.h"
#include "hub/models/batch_runner.h"
#include "hub/models/protocol.h"
#include "hub/models/registry.h"

#include "CLI/CLI.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string input;
  std::vector<std::string> models;
  std::vector<size_t> threads = {1, 2};
  size_t limit = 0;
  size_t batch = 1000;
};

struct Measurement {
  size_t molecules = 0;
  size_t errors = 0;
  double compute_seconds = 0;
  double compute_cpu_seconds = 0;  // CPU time of all threads while computing
  double render_seconds = 0;
  double render_cpu_seconds = 0;
  size_t json_bytes = 0;
};

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// CPU time used so far by all threads of the process. Throughput per CPU second does not
// depend on what else the machine runs, unlike throughput per wall second.
double ProcessCpuSeconds() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

std::vector<std::string> ReadSmiles(const std::string& path, size_t limit) {
  auto rows = hub::common::ReadCsvFile(path);
  std::vector<std::string> smiles;
  if (!rows.ok()) {
    std::fprintf(stderr, "%s\n", std::string(rows.status().message()).c_str());
    return smiles;
  }
  for (size_t i = 1; i < rows->size() && (limit == 0 || smiles.size() < limit); ++i) {
    smiles.push_back((*rows)[i].empty() ? "" : (*rows)[i][0]);
  }
  return smiles;
}

// Runs the whole input through `model` in batches, the way the model server gets them.
Measurement Run(const hub::models::Model& model,
                const std::vector<std::string>& smiles,
                size_t batch_size,
                hub::common::ThreadPool& pool) {
  Measurement m;
  for (size_t begin = 0; begin < smiles.size(); begin += batch_size) {
    std::vector<std::string> batch(smiles.begin() + begin,
                                   smiles.begin() + std::min(smiles.size(), begin + batch_size));
    Clock::time_point start = Clock::now();
    const double cpu_start = ProcessCpuSeconds();
    std::vector<hub::models::RowResult> rows = hub::models::RunBatch(model, batch, &pool);
    m.compute_seconds += Seconds(start);
    m.compute_cpu_seconds += ProcessCpuSeconds() - cpu_start;

    start = Clock::now();
    const double render_cpu_start = ProcessCpuSeconds();
    std::string json = hub::models::RenderRunJson(model.info(), batch, rows, {});
    m.render_seconds += Seconds(start);
    m.render_cpu_seconds += ProcessCpuSeconds() - render_cpu_start;
    m.json_bytes += json.size();
    m.molecules += batch.size();
    m.errors += hub::models::CountRowErrors(rows);
  }
  return m;
}

int Benchmark(const Options& options) {
  const std::vector<std::string> smiles = ReadSmiles(options.input, options.limit);
  if (smiles.empty()) {
    std::fprintf(stderr, "no molecules in %s\n", options.input.c_str());
    return 1;
  }
  auto resources = hub::models::LoadModelResources(hub::models::ResourceOptions(), options.models);
  if (!resources.ok()) {
    std::fprintf(stderr, "%s\n", std::string(resources.status().message()).c_str());
    return 1;
  }

  for (const std::string& id : options.models) {
    auto model = hub::models::CreateModel(id, *resources);
    if (!model.ok()) {
      std::fprintf(stderr, "%s\n", std::string(model.status().message()).c_str());
      return 1;
    }
    for (size_t threads : options.threads) {
      hub::common::ThreadPool pool(threads, "bench");
      Run(**model,
          std::vector<std::string>(smiles.begin(),
                                   smiles.begin() + std::min<size_t>(smiles.size(), 200)),
          options.batch, pool);  // warm-up: caches, lazily built RDKit tables
      const Measurement m = Run(**model, smiles, options.batch, pool);
      std::printf(
          "{\"model\":\"%s\",\"threads\":%zu,\"molecules\":%zu,\"errors\":%zu,"
          "\"compute_mol_per_s\":%.1f,\"compute_mol_per_cpu_s\":%.1f,\"with_json_mol_per_s\":%.1f,"
          "\"with_json_mol_per_cpu_s\":%.1f,\"compute_cpu_s\":%.3f,\"render_cpu_s\":%.3f,"
          "\"json_bytes_per_mol\":%.0f}\n",
          id.c_str(), threads, m.molecules, m.errors, m.molecules / m.compute_seconds,
          m.molecules / m.compute_cpu_seconds, m.molecules / (m.compute_seconds + m.render_seconds),
          m.molecules / (m.compute_cpu_seconds + m.render_cpu_seconds), m.compute_cpu_seconds,
          m.render_cpu_seconds, static_cast<double>(m.json_bytes) / m.molecules);
      std::fflush(stdout);
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Built-in model throughput (molecules per second)");
  Options options;
  std::string models = hub::common::Join(hub::models::BuiltinModelIds(), ",");
  std::string threads = "1,2";
  app.add_option("--input", options.input, "CSV with a header; SMILES in the first column")
      ->required();
  app.add_option("--models", models, "comma-separated model ids")->capture_default_str();
  app.add_option("--threads", threads, "comma-separated thread counts")->capture_default_str();
  app.add_option("--limit", options.limit, "use only the first N molecules (0: all)");
  app.add_option("--batch", options.batch, "molecules per RunBatch call")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  for (std::string_view id : hub::common::Split(models, ',')) {
    options.models.emplace_back(id);
  }
  options.threads.clear();
  for (std::string_view n : hub::common::Split(threads, ',')) {
    options.threads.push_back(std::stoul(std::string(n)));
  }
  return Benchmark(options);
}
