#!/usr/bin/env bash
# Runs a command with HUB_TEST_PG_DSN pointing at a private, throw-away PostgreSQL server.
#
#   tests/support/with_postgres.sh ctest --test-dir build -L postgres
#
# When HUB_TEST_PG_DSN is already set, the command simply runs against that server. Otherwise
# this script initdb's a cluster in a temp dir (as the `postgres` user when run as root:
# initdb refuses root), starts it on a free 127.0.0.1 port with its own socket directory and
# fsync off, exports the DSN, runs the command, then stops the server and removes the
# directory, also when the command fails or the script is interrupted. The exit status is the
# command's.
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: $0 <command> [args...]" >&2
  exit 2
fi
if [ -n "${HUB_TEST_PG_DSN:-}" ]; then
  exec "$@"
fi

pg_bin=${HUB_PG_BIN:-}
if [ -z "$pg_bin" ]; then
  for candidate in /usr/lib/postgresql/*/bin; do
    if [ -x "$candidate/initdb" ]; then pg_bin=$candidate; fi
  done
fi
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
  echo "with_postgres: initdb not found (install postgresql: scripts/setup.sh)" >&2
  exit 1
fi

# initdb and postgres refuse to run as root.
as_pg() {
  if [ "$(id -u)" != 0 ]; then
    "$@"
  elif command -v runuser >/dev/null 2>&1; then
    runuser -u postgres -- "$@"
  else
    su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
  fi
}

dir=$(mktemp -d "${TMPDIR:-/tmp}/hub-pg.XXXXXX")
data="$dir/data"
sock="$dir/sock"

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ -f "$data/postmaster.pid" ]; then
    as_pg "$pg_bin/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  exit "$status"
}
# The command runs in the background so that a signal reaches this script at once; it is
# passed on to the command before the server goes away.
child=""
on_signal() {
  if [ -n "$child" ]; then
    kill -TERM "$child" 2>/dev/null || true
    wait "$child" 2>/dev/null || true
  fi
  exit "$1"
}
trap cleanup EXIT
trap 'on_signal 130' INT
trap 'on_signal 143' TERM

if [ "$(id -u)" = 0 ]; then
  chown postgres: "$dir"
fi
chmod 700 "$dir"
as_pg mkdir -p "$sock"

if ! as_pg "$pg_bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
    --no-sync >"$dir/initdb.log" 2>&1; then
  echo "with_postgres: initdb failed:" >&2
  cat "$dir/initdb.log" >&2
  exit 1
fi

free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
  else
    echo $((20000 + RANDOM % 40000))
  fi
}

# Another process may grab the port between the probe and the bind: try a few.
started=""
for _ in 1 2 3 4 5; do
  port=$(free_port)
  options="-h 127.0.0.1 -p $port -k $sock -c fsync=off -c synchronous_commit=off"
  options="$options -c full_page_writes=off -c max_connections=300"
  if as_pg "$pg_bin/pg_ctl" -D "$data" -l "$dir/server.log" -o "$options" -w -t 30 start \
      >/dev/null 2>&1; then
    started=yes
    break
  fi
done
if [ -z "$started" ]; then
  echo "with_postgres: the server did not start:" >&2
  cat "$dir/server.log" >&2 || true
  exit 1
fi

export HUB_TEST_PG_DSN="host=$sock port=$port dbname=postgres user=postgres"
version=$("$pg_bin/postgres" --version | awk '{print $3}')
echo "with_postgres: PostgreSQL $version on port $port, socket in $sock" >&2

set +e
"$@" &
child=$!
wait "$child"
status=$?
child=""
exit "$status"
