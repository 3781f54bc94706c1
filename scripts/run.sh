#!/usr/bin/env bash
# The set-up-and-run command: installs what building needs, builds the package, the
# app and the server, and starts the whole thing on the embedded SQLite default
# (http://127.0.0.1:8080 unless STUDIO_ADDR says otherwise). The app signs in as the
# dev user; its token is written to www/dist/config.json.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --run
scripts/build-pkg.sh
cargo build --locked --release -p studio-server
server=target/release/studio-server
export STUDIO_DATA_DIR="${STUDIO_DATA_DIR:-$PWD/.data}"
"$server" migrate >/dev/null
www_dir=www
if [ -f www/package.json ]; then
  (cd www && { [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error; } && npm run build)
  www_dir=www/dist
  token=$("$server" token create dev@studio.local)
  printf '{"serverUrl": "/", "token": "%s"}\n' "$token" > "$www_dir/config.json"
fi
export STUDIO_WWW_DIR="$PWD/$www_dir" STUDIO_PKG_DIR="$PWD/pkg"
exec "$server" serve --addr "${STUDIO_ADDR:-127.0.0.1:8080}"
