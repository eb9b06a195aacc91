#!/usr/bin/env bash
# Installs what is missing (scripts/setup.sh), then builds the hub and the web UI into build/.
#   BUILD_DIR   build directory (default: build)
#   BUILD_TYPE  CMake build type (default: RelWithDebInfo)
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh
build_dir=${BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" >/dev/null
# RDKit and Beast translation units take ~0.5-0.8 GB each; two jobs fit any 2-core machine.
ninja -C "$build_dir" -j "${BUILD_JOBS:-$(nproc)}"
(cd web && npm run --silent build >/dev/null)
echo "build: done ($build_dir)"
