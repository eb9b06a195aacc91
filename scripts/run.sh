#!/usr/bin/env bash
# Quick start: builds everything and serves the hub on http://127.0.0.1:8080 with embedded
# defaults (SQLite and result files under ./var, built-in models as local processes).
# Extra arguments go to `ersilia-hub serve` (e.g. --port 9000, --set key=value).
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/build.sh
exec "${BUILD_DIR:-build}/src/hub/cli/ersilia-hub" serve "$@"
