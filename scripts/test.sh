#!/usr/bin/env bash
# The test command (README, CI): sets up what is missing, then runs every suite once:
# lints, core unit/property tests, the multi-client simulation, bounded fuzzing, the server
# on SQLite and PostgreSQL (its tests, then schemathesis against its OpenAPI document), the package build, the browser suites in headless Chromium and Firefox
# against a real server, the app's end-to-end test, and the package under a real full disk
# and through a seeded fault-injecting proxy.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
started=$(date +%s)
step() { printf '\n== %s (%ss)\n' "$*" "$(( $(date +%s) - started ))"; }

step "setup"
scripts/setup.sh
export CARGO_TERM_COLOR=never

step "format and lints"
cargo fmt --all -- --check
cargo clippy --locked --workspace --all-targets -- -D warnings
cargo clippy --locked --target wasm32-unknown-unknown -p studio-store --all-targets -- -D warnings

step "core: unit and property tests"
cargo test --locked -p studio-core --lib

step "core: simulation of clients and a server over a bad network"
SIM_SEEDS="${SIM_SEEDS:-2000}" cargo test --locked --release -p studio-core --test sim -- --nocapture

tmp=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  scripts/start-postgres.sh --stop >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

step "core: fuzz targets, bounded (figures in RELIABILITY.md)"
scripts/fuzz.sh

step "server: integration tests on SQLite and PostgreSQL"
pg_url=$(scripts/start-postgres.sh)
STUDIO_TEST_POSTGRES_URL="$pg_url" cargo test --locked -p studio-server

step "server: schemathesis against its OpenAPI document, on SQLite and PostgreSQL"
cargo build --locked -p studio-server
STUDIO_SERVER_BIN="$root/target/debug/studio-server" scripts/schemathesis.sh

step "package"
scripts/build-pkg.sh

step "reference server for the browser suites"
server="$root/target/debug/studio-server"
export DATABASE_URL="sqlite://$tmp/browser.sqlite"
export STUDIO_DATA_DIR="$tmp/data" STUDIO_RUNNER_DELAY_MS=50
"$server" migrate >/dev/null
STUDIO_TEST_TOKEN_A=$("$server" token create a@test.local)
STUDIO_TEST_TOKEN_B=$("$server" token create b@test.local)
"$server" serve --addr 127.0.0.1:0 >"$tmp/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
  addr=$(grep -o 'listening on http://[0-9.:]*' "$tmp/server.log" | head -n1 | sed 's/listening on //' || true)
  [ -n "$addr" ] && break
  sleep 0.1
done
[ -n "${addr:-}" ] || { cat "$tmp/server.log"; echo "the server did not start" >&2; exit 1; }
export STUDIO_TEST_SERVER="$addr" STUDIO_TEST_TOKEN_A STUDIO_TEST_TOKEN_B
echo "server at $addr"

step "browser suites: headless Chromium"
export WASM_BINDGEN_TEST_TIMEOUT=600
CHROMEDRIVER=/usr/bin/chromedriver cargo test --locked --target wasm32-unknown-unknown --test browser

step "browser suites: headless Firefox"
GECKODRIVER="$(command -v geckodriver || echo "$HOME/.cargo/bin/geckodriver")" \
  cargo test --locked --target wasm32-unknown-unknown --test browser

if [ -f www/package.json ]; then
  step "app: build and end-to-end test in Chromium"
  (cd www && npm run build && STUDIO_SERVER_BIN="$server" npm test)
fi

step "package under a real full disk (Chromium's quota through the DevTools protocol)"
(cd tests/quota && STUDIO_SERVER_BIN="$server" npm test)

step "package through a seeded fault-injecting proxy, the server killed mid-run"
(cd tests/faults && node --test proxy.test.mjs && STUDIO_SERVER_BIN="$server" node run.mjs --runs 3 --edits 60)

step "all suites passed"
