#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, checks formatting and lint, and runs
# every test — unit, integration, PostgreSQL (a private server is started for them) and the
# browser tests — with ctest. CI (.ci/run) runs exactly this.
#   TEST_JOBS   parallel ctest jobs (default: nproc)
#   SKIP_LINT=1 skip clang-format/clang-tidy (local iteration only; CI never sets it)
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/build.sh
build_dir=${BUILD_DIR:-build}

if [ "${SKIP_LINT:-0}" != 1 ]; then
  ./scripts/lint.sh "$build_dir"
fi

(cd web && npm run --silent test)

tests/support/with_postgres.sh \
  ctest --test-dir "$build_dir" --output-on-failure -j "${TEST_JOBS:-$(nproc)}" "$@"
echo "test: all passed"
