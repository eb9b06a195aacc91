#pragma once

namespace hub::cli {

// Parses `argv` and runs the chosen subcommand; returns the process exit code (0 on success,
// 1 on a runtime failure, 2 on a usage or configuration error).
int Main(int argc, char** argv);

}  // namespace hub::cli
