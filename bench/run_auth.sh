#!/usr/bin/env bash
# Authenticated requests per second on a cheap endpoint, against an unauthenticated probe in
# the same run as the named baseline.
#
#   bench/run_auth.sh [build-dir] [duration] [connections]      (defaults: build 10s 32)
#
# Starts `ersilia-hub serve` on a scratch SQLite data directory, opens an anonymous session,
# and drives keep-alive load with wrk (Debian package `wrk`) at:
#   baseline  GET /healthz                 no credentials (answered on the I/O thread)
#   upstream  GET /api/auth/permissions    Authorization: ErsiliaAnonymous <base64 session>
#   bearer    GET /api/auth/permissions    Authorization: Bearer <token>
# The authenticated requests are served from the session and permission caches (no database
# statement per request). The access log is off (--log-level warn) so disk writes do not
# dominate. Prints one line per target and the ratio to the baseline.
set -euo pipefail

build=${1:-build}
duration=${2:-10s}
connections=${3:-32}
threads=${WRK_THREADS:-2}
binary="$build/src/hub/cli/ersilia-hub"

for tool in wrk curl jq base64; do
  command -v "$tool" >/dev/null || { echo "run_auth: $tool is required" >&2; exit 1; }
done
[ -x "$binary" ] || { echo "run_auth: $binary not found (build ersilia-hub first)" >&2; exit 1; }

work=$(mktemp -d)
hub_pid=""
cleanup() {
  if [ -n "$hub_pid" ]; then kill "$hub_pid" 2>/dev/null || true; wait "$hub_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$binary" serve --port 0 --data-dir "$work/data" --port-file "$work/port" --log-level warn \
  --set auth.rate_limit.anonymous_login=off >"$work/hub.log" 2>&1 &
hub_pid=$!
for _ in $(seq 1 200); do
  [ -s "$work/port" ] && break
  sleep 0.05
done
[ -s "$work/port" ] || { echo "run_auth: hub did not start:" >&2; cat "$work/hub.log" >&2; exit 1; }
base="http://127.0.0.1:$(cat "$work/port")"

key=$(cat /proc/sys/kernel/random/uuid)
session=$(curl -sf -X POST "$base/api/auth/anonymous-login/$key" | jq -c .session)
upstream="ErsiliaAnonymous $(printf '%s' "$session" | base64 | tr -d '\n')"
bearer="Bearer $(jq -r .session_token <<<"$session")"
# Warm the caches (and check the credentials work).
curl -sf -H "Authorization: $upstream" "$base/api/auth/permissions" >/dev/null
curl -sf -H "Authorization: $bearer" "$base/api/auth/permissions" >/dev/null

# Requests/sec of one wrk run; non-2xx answers fail the benchmark.
rate() {
  local out
  out=$(wrk -t"$threads" -c"$connections" -d"$duration" "$@")
  if grep -q "Non-2xx" <<<"$out"; then
    echo "run_auth: non-2xx answers during the run:" >&2
    echo "$out" >&2
    exit 1
  fi
  awk '/Requests\/sec/ {print $2}' <<<"$out"
}

sessions_before=$(curl -sf "$base/metrics" | awk -F' ' '/^hub_db_statements_total\{table="sessions"\}/ {print $2}')
healthz=$(rate "$base/healthz")
upstream_rps=$(rate -H "Authorization: $upstream" "$base/api/auth/permissions")
bearer_rps=$(rate -H "Authorization: $bearer" "$base/api/auth/permissions")
sessions_after=$(curl -sf "$base/metrics" | awk -F' ' '/^hub_db_statements_total\{table="sessions"\}/ {print $2}')

echo "auth benchmark: wrk -t$threads -c$connections -d$duration, keep-alive, $(nproc) cores"
printf '%-44s %12s %8s\n' "target" "requests/s" "ratio"
printf '%-44s %12.0f %8s\n' "baseline GET /healthz (no auth)" "$healthz" "1.00"
printf '%-44s %12.0f %8.2f\n' "GET /api/auth/permissions (ErsiliaAnonymous)" "$upstream_rps" \
  "$(awk -v a="$upstream_rps" -v b="$healthz" 'BEGIN {print a / b}')"
printf '%-44s %12.0f %8.2f\n' "GET /api/auth/permissions (Bearer)" "$bearer_rps" \
  "$(awk -v a="$bearer_rps" -v b="$healthz" 'BEGIN {print a / b}')"
echo "sessions-table statements during the authenticated runs: $((${sessions_after%.*} - ${sessions_before%.*}))"
