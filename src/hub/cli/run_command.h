#pragma once

// `ersilia-hub run`: a client of a running hub. Submits a file of molecules to a model as a
// work request, shows its progress on stderr, and writes the result to a file.
//
//   ersilia-hub run --model ID -i in.csv -o out.csv [--server URL] [--key KEY | --api-key K]
//                   [--header | --no-header] [--format csv|json|jsonl] [--layout ersilia|hub]
//
// Identity: `--api-key` (an account's key), else the anonymous `--key`, else the anonymous key
// in `--key-file` (default ~/.ersilia-hub-key, shared with the Python client and created on
// first use). The input is uploaded as it is; without `--header`/`--no-header` the hub decides
// whether the first line is a header and says so in the request's `intake`.
//
// Exit codes: 0 when the request completed and the result was written; 1 when the hub cannot
// be reached, answers an error (its `detail` is printed), or the request FAILED or was
// CANCELLED; 2 on a usage error.

#include <optional>
#include <string>

namespace CLI {  // NOLINT(readability-identifier-naming): CLI11 names it
class App;
}  // namespace CLI

namespace hub::cli {

struct RunFlags {
  std::string server = "http://127.0.0.1:8080";
  std::string model;
  std::string input;
  std::string output;
  std::string key;
  std::string key_file;  // empty: $HOME/.ersilia-hub-key
  std::string api_key;
  std::optional<bool> has_header;  // unset: the hub decides
  std::string format = "csv";
  std::string layout = "ersilia";
  bool quiet = false;
};

// Registers `run` on `app` with its flags bound to `flags`; returns the subcommand.
CLI::App* AddRunCommand(CLI::App& app, RunFlags& flags);

// Runs the work request described by `flags` to its end; returns the exit code.
int RunWorkRequest(const RunFlags& flags);

}  // namespace hub::cli
