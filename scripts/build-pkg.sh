#!/usr/bin/env bash
# Builds the npm package in pkg/: the wasm crate at size-first settings, its JS glue
# and .d.ts from wasm-bindgen, then wasm-opt when binaryen is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --locked --target wasm32-unknown-unknown --profile wasm-release -p studio-store
wasm-bindgen --target web --out-dir pkg --out-name studio_store \
  target/wasm32-unknown-unknown/wasm-release/studio_store.wasm
if command -v wasm-opt >/dev/null; then
  wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types \
    pkg/studio_store_bg.wasm -o pkg/studio_store_bg.wasm
fi
gz=$(gzip -9 -c pkg/studio_store_bg.wasm | wc -c)
echo "pkg/studio_store_bg.wasm: $(wc -c < pkg/studio_store_bg.wasm) bytes, $gz gzip"
