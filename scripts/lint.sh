#!/usr/bin/env bash
# Checks that every C++ file is formatted (clang-format 14) and clang-tidy clean.
#   scripts/lint.sh [build_dir]
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}

mapfile -t files < <(git ls-files -- 'src/*.cc' 'src/*.h' 'tests/*.cc' 'tests/*.h' 'bench/*.cc' 'bench/*.h')
clang-format --dry-run --Werror "${files[@]}"
echo "lint: clang-format clean (${#files[@]} files)"

mapfile -t sources < <(git ls-files -- 'src/*.cc')
if command -v run-clang-tidy >/dev/null 2>&1; then
  run-clang-tidy -quiet -p "$build_dir" -j "$(nproc)" "${sources[@]}" >"$build_dir/clang-tidy.log" 2>&1 ||
    { grep -E "error:|warning:" "$build_dir/clang-tidy.log" | head -50; exit 1; }
else
  clang-tidy -quiet -p "$build_dir" "${sources[@]}"
fi
echo "lint: clang-tidy clean (${#sources[@]} files)"
