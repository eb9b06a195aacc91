#include "hub/cli/commands.h"

#include <iostream>

#include "CLI/CLI.hpp"

namespace hub::cli {

int Main(int argc, char** argv) {
  CLI::App app{"Ersilia Hub: run Ersilia models on batches of molecules"};
  app.require_subcommand(1);
  CLI11_PARSE(app, argc, argv);
  return 0;
}

}  // namespace hub::cli
