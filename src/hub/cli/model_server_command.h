#pragma once

#include <csignal>
#include <string>

namespace CLI {  // NOLINT(readability-identifier-naming): CLI11 names it
class App;
}  // namespace CLI

namespace hub::cli {

// Flags of `ersilia-hub model-server --model ID --port N [--threads K]`.
struct ModelServerFlags {
  std::string model;
  std::string host = "127.0.0.1";
  int port = 80;
  int threads = 1;
  std::string rdkit_data_dir = "/usr/share/RDKit";
  std::string model_version = "1.0";
  std::string port_file;
  std::string log_format = "text";
  std::string log_level = "info";
};

// Registers the flags on `command`.
void AddModelServerFlags(CLI::App& command, ModelServerFlags& flags);

// Serves one built-in model over the Ersilia model-container protocol until one of `signals`
// arrives; returns the exit code (1 when the model cannot be loaded or the port bound).
int RunModelServer(const ModelServerFlags& flags, const sigset_t& signals);

}  // namespace hub::cli
