#!/usr/bin/env bash
# Builds the npm package in pkg/: the wasm crate at size-first settings, then its JS glue
# and .d.ts from wasm-bindgen, without the name section.
#
# No wasm-opt: Debian's binaryen 108 breaks the package (it re-points the externref
# table export at the function table, so init() throws), and binaryen 132 -Oz makes the
# file smaller but its gzip larger (409 KB against 375 KB, measured 2026-11-27).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --locked --target wasm32-unknown-unknown --profile wasm-release -p studio-store
wasm-bindgen --target web --remove-name-section --remove-producers-section \
  --out-dir pkg --out-name studio_store \
  target/wasm32-unknown-unknown/wasm-release/studio_store.wasm
gz=$(gzip -9 -c pkg/studio_store_bg.wasm | wc -c)
echo "pkg/studio_store_bg.wasm: $(wc -c < pkg/studio_store_bg.wasm) bytes, $gz gzip"
# The raw wasm exports are typed `any` by wasm-bindgen; the public types have no `any`.
for f in pkg/studio_store.d.ts pkg/studio_store_bg.wasm.d.ts; do
  sed -i '/^export interface InitOutput/,/^}/ s/\bany\b/unknown/g' "$f"
  case "$f" in *_bg.wasm.d.ts) sed -i 's/\bany\b/unknown/g' "$f" ;; esac
done
