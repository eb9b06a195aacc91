#!/usr/bin/env bash
# Checks that every C++ file is formatted (clang-format 14) and that the C++ sources are
# clang-tidy clean.
#   scripts/lint.sh [build_dir]
#
# clang-tidy debt: a source listed in scripts/clang-tidy-debt.txt is not gated (the list is
# empty now: every source is clean and must stay so). It exists for a rule newly switched on:
# list the files it flags, then fix them and delete their lines; `scripts/lint.sh --debt`
# checks the listed files and prints their findings.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=gate
if [ "${1:-}" = "--debt" ]; then
  mode=debt
  shift
fi
build_dir=${1:-build}

mapfile -t files < <(git ls-files -- 'src/*.cc' 'src/*.h' 'tests/*.cc' 'tests/*.h' 'bench/*.cc' 'bench/*.h')
clang-format --dry-run --Werror "${files[@]}"
echo "lint: clang-format clean (${#files[@]} files)"

mapfile -t debt < <(grep -v '^#' scripts/clang-tidy-debt.txt | sed '/^$/d')
if [ "$mode" = debt ]; then
  if [ "${#debt[@]}" -eq 0 ]; then
    echo "lint: no clang-tidy debt listed"
    exit 0
  fi
  sources=("${debt[@]}")
else
  mapfile -t sources < <(git ls-files -- 'src/*.cc' | grep -vxF -f <(printf '%s\n' "${debt[@]}"))
fi
log="$build_dir/clang-tidy.log"
if ! run-clang-tidy -quiet -p "$build_dir" -j "$(nproc)" "${sources[@]}" >"$log" 2>&1; then
  sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E "(error|warning):" | grep -v "warnings generated" |
    sort -u | head -50
  [ "$mode" = debt ] && exit 0
  exit 1
fi
echo "lint: clang-tidy clean (${#sources[@]} files; ${#debt[@]} listed as debt)"
