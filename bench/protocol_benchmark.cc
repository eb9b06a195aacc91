// Google Benchmark of the model-protocol hot spots: parsing a large `/run` body and rendering
// a 1000 x 2048 fingerprint answer (the largest a model server sends per batch).

#include <cstdio>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "hub/models/protocol.h"

namespace {

hub::models::ModelInfo FingerprintModel() {
  hub::models::ModelInfo info;
  for (int c = 0; c < 2048; ++c) {
    char name[16];
    std::snprintf(name, sizeof(name), "dim_%04d", c);
    info.columns.push_back(hub::models::Column{name, hub::models::ColumnType::kInteger,
                                               hub::models::CellFormat::kInteger, "", ""});
  }
  info.json_integers = true;
  return info;
}

std::vector<hub::models::RowResult> FingerprintRows(size_t count) {
  std::vector<hub::models::RowResult> rows(count);
  for (size_t r = 0; r < count; ++r) {
    rows[r].values.assign(2048, 0.0);
    for (size_t bit = r % 23; bit < 2048; bit += 23) {
      rows[r].values[bit] = 1.0;  // about 90 bits set, like a Morgan fingerprint
    }
  }
  return rows;
}

void BM_RenderFingerprintRecords(benchmark::State& state) {
  const hub::models::ModelInfo info = FingerprintModel();
  const std::vector<hub::models::RowResult> rows = FingerprintRows(1000);
  const std::vector<std::string> inputs(rows.size(), "CC(=O)Oc1ccccc1C(=O)O");
  hub::models::RunRenderOptions options;
  options.orient = static_cast<hub::models::Orient>(state.range(0));
  size_t bytes = 0;
  for (auto _ : state) {
    std::string json = hub::models::RenderRunJson(info, inputs, rows, options);
    bytes += json.size();
    benchmark::DoNotOptimize(json);
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}

BENCHMARK(BM_RenderFingerprintRecords)
    ->Arg(static_cast<int>(hub::models::Orient::kRecords))
    ->Arg(static_cast<int>(hub::models::Orient::kValues))
    ->Unit(benchmark::kMillisecond);

void BM_RenderFloatRecords(benchmark::State& state) {
  hub::models::ModelInfo info;
  for (int c = 0; c < 315; ++c) {
    hub::models::Column column;
    column.name = "dim_" + std::to_string(c);
    info.columns.push_back(column);
  }
  std::vector<hub::models::RowResult> rows(1000);
  for (size_t r = 0; r < rows.size(); ++r) {
    for (int c = 0; c < 315; ++c) {
      rows[r].values.push_back((r * 315 + c) % 7 == 0 ? 0.0 : 0.3 * ((r + c) % 17));
    }
  }
  const std::vector<std::string> inputs(rows.size(), "CCO");
  for (auto _ : state) {
    benchmark::DoNotOptimize(hub::models::RenderRunJson(info, inputs, rows, {}));
  }
}

BENCHMARK(BM_RenderFloatRecords)->Unit(benchmark::kMillisecond);

void BM_ParseRunBody(benchmark::State& state) {
  std::string body = "[";
  for (int i = 0; i < state.range(0); ++i) {
    body += i == 0 ? "" : ",";
    body += "\"CC(C)Cc1ccc(cc1)[C@@H](C)C(=O)O\"";
  }
  body += "]";
  for (auto _ : state) {
    auto request = hub::models::ParseRunBody(body);
    benchmark::DoNotOptimize(request);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}

BENCHMARK(BM_ParseRunBody)->Arg(1000)->Arg(100000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
