// The one composition root: parses the command line and runs the chosen subcommand.
#include "hub/cli/commands.h"

int main(int argc, char** argv) {
  return hub::cli::Main(argc, argv);
}
