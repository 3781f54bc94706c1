#!/usr/bin/env bash
# Installs what building and testing need, skipping what is already there (idempotent):
# the wasm target, the wasm-bindgen CLI pinned to Cargo.lock's version, Chromium and
# its driver, Firefox ESR and geckodriver, PostgreSQL, npm packages, schemathesis (a venv).
#   scripts/setup.sh          everything (tests)
#   scripts/setup.sh --run    only what building and running the app needs
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-all}"
log() { echo "setup: $*" >&2; }

rustup target list --installed | grep -qx wasm32-unknown-unknown || {
  log "adding the wasm32 target"
  rustup target add wasm32-unknown-unknown
}

want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }' || true)
if [ "$have" != "$want" ]; then
  log "installing wasm-bindgen-cli $want (a few minutes)"
  # --locked fails here: a dependency in its lock file is not on the registry.
  cargo install wasm-bindgen-cli --version "$want"
fi

apt_missing=()
need_pkg() { dpkg -s "$1" >/dev/null 2>&1 || apt_missing+=("$1"); }
if [ "$mode" = all ]; then
  need_pkg chromium
  need_pkg chromium-driver
  need_pkg firefox-esr
  need_pkg postgresql
fi
if [ ${#apt_missing[@]} -gt 0 ]; then
  log "installing ${apt_missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${apt_missing[@]}" >/dev/null
fi

if [ "$mode" = all ]; then
  if ! command -v geckodriver >/dev/null && [ ! -x "$HOME/.cargo/bin/geckodriver" ]; then
    log "installing geckodriver from crates.io (a few minutes)"
    cargo install geckodriver
  fi
  if ! command -v cargo-fuzz >/dev/null; then
    log "installing cargo-fuzz from crates.io (a minute or two)"
    cargo install cargo-fuzz --version 0.13.1
  fi
  for dir in bench www tests/quota tests/faults; do
    if [ -f "$dir/package.json" ] && [ ! -d "$dir/node_modules" ]; then
      log "npm ci in $dir"
      (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
    fi
  done
  # schemathesis for scripts/schemathesis.sh, pinned, in a venv of its own.
  st_venv="${STUDIO_SCHEMATHESIS_VENV:-$HOME/.cache/studio-store/schemathesis-venv}"
  st_version="4.32.5"
  if [ "$("$st_venv/bin/st" --version 2>/dev/null | awk '{ print $3 }')" != "$st_version" ]; then
    log "installing schemathesis $st_version in $st_venv"
    python3 -m venv "$st_venv"
    "$st_venv/bin/pip" install -q --disable-pip-version-check "schemathesis==$st_version"
  fi
fi
log "ready"
