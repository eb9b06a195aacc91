#!/usr/bin/env bash
# Installs every Debian package the hub needs to build, test and benchmark, and the npm
# packages of the web UI. Idempotent: when everything is present it only checks and returns.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build pkg-config ccache
  libboost-dev librdkit-dev rdkit-data
  librestinio-dev libasio-dev libhttp-parser-dev libfmt-dev
  nlohmann-json3-dev libsimdjson-dev
  libpqxx-dev libpq-dev postgresql libsqlite3-dev sqlite3
  libspdlog-dev libcli11-dev libsodium-dev libcurl4-openssl-dev libssl-dev
  libyaml-cpp-dev uuid-dev libabsl-dev prometheus-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-format clang-tidy
  python3-rdkit wrk
  chromium chromium-driver
  curl ca-certificates procps
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# The machine image brings Node.js 20 with npm (NodeSource); Debian's nodejs is only the fallback.
if ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${#missing[@]} Debian packages: ${missing[*]}"
  sudo_cmd=""
  if [ "$(id -u)" != 0 ]; then sudo_cmd="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
  $sudo_cmd apt-get clean
else
  echo "setup: Debian packages present"
fi

if [ -f web/package.json ]; then
  if [ ! -d web/node_modules ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
    echo "setup: installing npm packages of web/"
    (cd web && npm ci --no-audit --no-fund --loglevel=error)
  else
    echo "setup: npm packages present"
  fi
fi
