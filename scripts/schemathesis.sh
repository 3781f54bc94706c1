#!/usr/bin/env bash
# Schemathesis against the server's own /api/openapi.json: a real server on SQLite and
# one on PostgreSQL, each with a fresh database and token, positive and negative data,
# every check. Fails on any failure; bounded by a fixed number of examples per
# operation, so it takes a few minutes at most on 2 cores.
#
#   scripts/schemathesis.sh                 both databases
#   ST_MAX_EXAMPLES=500 scripts/schemathesis.sh   a longer run
#
# Needs: the server binary (STUDIO_SERVER_BIN, default target/debug/studio-server) and
# schemathesis in the venv scripts/setup.sh makes (STUDIO_SCHEMATHESIS_VENV).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
venv="${STUDIO_SCHEMATHESIS_VENV:-$HOME/.cache/studio-store/schemathesis-venv}"
st="$venv/bin/st"
[ -x "$st" ] || { echo "no schemathesis at $st: run scripts/setup.sh" >&2; exit 1; }
server="${STUDIO_SERVER_BIN:-$root/target/debug/studio-server}"
[ -x "$server" ] || { echo "no server binary at $server: cargo build -p studio-server" >&2; exit 1; }
max_examples="${ST_MAX_EXAMPLES:-100}"
seed="${ST_SEED:-1}"

tmp=$(mktemp -d)
# Its own cluster, never another run's; outside $tmp, which the postgres user cannot enter.
pg_dir="/tmp/studio-pg-schemathesis-$$"
pids=()
cleanup() {
  # Servers first, and waited for: a server whose database vanished under it hangs.
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  STUDIO_PG_DIR="$pg_dir" scripts/start-postgres.sh --stop >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

# Starts a server on $1 (a database URL) in $2 (a directory); sets $addr. Not in a
# subshell, so its pid reaches the cleanup.
start_server() {
  local url=$1 dir=$2
  addr=""
  DATABASE_URL="$url" STUDIO_DATA_DIR="$dir/data" STUDIO_RUNNER_DELAY_MS=50 \
    "$server" serve --addr 127.0.0.1:0 >"$dir/server.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 200); do
    addr=$(grep -o 'listening on http://[0-9.:]*' "$dir/server.log" | head -n1 | sed 's/listening on //' || true)
    [ -n "$addr" ] && return 0
    sleep 0.1
  done
  cat "$dir/server.log" >&2
  echo "the server did not start" >&2
  return 1
}

# Runs schemathesis against a fresh server on $2 (a database URL), named $1.
run_on() {
  local name=$1 url=$2 dir="$tmp/$1" token
  mkdir -p "$dir"
  cli() { DATABASE_URL="$url" STUDIO_DATA_DIR="$dir/data" "$server" "$@" 2>>"$dir/cli.log"; }
  cli migrate >/dev/null && token=$(cli token create "st@test.local") || {
    cat "$dir/cli.log" >&2
    return 1
  }
  start_server "$url" "$dir"
  echo "== schemathesis on $name ($addr, $max_examples examples per operation, seed $seed)"
  # No colours and no truncation: a failure reads the same in a log as in a terminal.
  # Failures it finds stay in .schemathesis/ (git-ignored) for `st replay <id>`.
  if ! "$st" run "$addr/api/openapi.json" \
      --header "Authorization: Bearer $token" \
      --mode all --checks all \
      --phases examples,coverage,fuzzing \
      --max-examples "$max_examples" --seed "$seed" \
      --generation-database none \
      --request-timeout 30 --workers 2 \
      --no-color --output-truncate false; then
    echo "schemathesis found failures on $name (above); the server's log:" >&2
    tail -n 50 "$dir/server.log" >&2
    return 1
  fi
}

run_on sqlite "sqlite://$tmp/sqlite.db"
pg_url=$(STUDIO_PG_DIR="$pg_dir" scripts/start-postgres.sh)
run_on postgres "$pg_url"
echo "== schemathesis: no failures on SQLite and PostgreSQL"
