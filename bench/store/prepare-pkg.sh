#!/usr/bin/env bash
# Builds a variant of the npm package into bench/store/.pkg/ for the size benchmark (and
# `node store/run.mjs --pkg store/.pkg`): cargo wasm-release, wasm-bindgen, then
# wasm-opt -Oz from the pinned npm package `binaryen` (132). Debian's binaryen 108 cannot
# be used: any pass through its wasm-opt (even with no passes) points the
# `__wbindgen_externrefs` export at the funcref table, and `init()` fails with
# "WebAssembly.Table.set(): Argument 1 is invalid for table". scripts/build-pkg.sh skips
# wasm-opt altogether since 900444e.
#
#   bash store/prepare-pkg.sh            # reuse target/…/wasm-release/studio_store.wasm if present
#   bash store/prepare-pkg.sh --build    # cargo build it first (≈2 min on 2 cores)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
bench="$repo/bench"
target="${CARGO_TARGET_DIR:-$repo/target}"
wasm="$target/wasm32-unknown-unknown/wasm-release/studio_store.wasm"
out="$here/.pkg"

if [[ "${1:-}" == "--build" || ! -f "$wasm" ]]; then
  (cd "$repo" && cargo build --locked --target wasm32-unknown-unknown --profile wasm-release -p studio-store)
fi
[[ -x "$bench/node_modules/binaryen/bin/wasm-opt" ]] || (cd "$bench" && npm install)

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cp "$wasm" "$tmp/studio_store.wasm" # the target dir may be rebuilt meanwhile
wasm-bindgen --target web --out-dir "$tmp/pkg" --out-name studio_store "$tmp/studio_store.wasm"
node "$bench/node_modules/binaryen/bin/wasm-opt" -Oz --enable-bulk-memory \
  --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
  --enable-reference-types "$tmp/pkg/studio_store_bg.wasm" -o "$tmp/pkg/studio_store_bg.wasm"
rm -rf "$out"
mkdir -p "$out"
cp "$tmp/pkg/"* "$out/"
echo "source wasm sha256 $(sha256sum "$tmp/studio_store.wasm" | cut -c1-16) ($(date -r "$wasm" -u +%FT%TZ))" > "$out/SOURCE"
echo "$out: $(wc -c < "$out/studio_store_bg.wasm") bytes wasm, $(gzip -9 -c "$out/studio_store_bg.wasm" | wc -c) gzip"
