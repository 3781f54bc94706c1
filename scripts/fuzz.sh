#!/usr/bin/env bash
# Runs every cargo-fuzz target for a bounded time (FUZZ_SECONDS each, default 20) on its
# corpus in fuzz/corpus/<target> plus the crash reproducers kept in fuzz/regressions/<target>
# (replayed first, so a crash once found fails every later run), then writes the figures
# into RELIABILITY.md's fuzz section.
#
#   scripts/fuzz.sh                      bounded run (the test command's)
#   FUZZ_SECONDS=720 scripts/fuzz.sh     the long run (5 targets x 12 min = 1 hour)
#   FUZZ_GROW=1 ...                      new inputs go into fuzz/corpus (to commit)
#
# A crash leaves its input in fuzz/artifacts/<target>/: copy it to fuzz/regressions/<target>/
# with the fix, and it is a test from then on.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${FUZZ_SECONDS:-20}"
log() { echo "fuzz: $*" >&2; }

rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --version 0.13.1

targets=$(cargo +nightly fuzz list --fuzz-dir fuzz)
cargo +nightly fuzz build --fuzz-dir fuzz --sanitizer none
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
rows=""
total=0
for t in $targets; do
  mkdir -p "fuzz/corpus/$t" "fuzz/regressions/$t"
  out="$scratch/$t"
  mkdir -p "$out"
  [ -n "${FUZZ_GROW:-}" ] && out="fuzz/corpus/$t"
  log "$t for ${seconds}s"
  if ! cargo +nightly fuzz run --fuzz-dir fuzz --sanitizer none "$t" "$out" "fuzz/corpus/$t" "fuzz/regressions/$t" -- \
      -max_total_time="$seconds" -print_final_stats=1 -max_len=65536 -timeout=10 \
      >"$scratch/$t.log" 2>&1; then
    tail -n 60 "$scratch/$t.log" >&2
    log "$t FAILED: its input is in fuzz/artifacts/$t/"
    exit 1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$scratch/$t.log" | grep -o '[0-9]*$' | tail -n1)
  corpus=$(find "fuzz/corpus/$t" -type f | wc -l)
  regressions=$(find "fuzz/regressions/$t" -type f | wc -l)
  total=$((total + ${runs:-0}))
  rows="$rows| \`$t\` | ${runs:-0} | $corpus | $regressions | 0 |\n"
  log "$t: ${runs:-0} executions, no crash"
done

section="<!-- fuzz:begin (written by scripts/fuzz.sh) -->
Last run: $(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), ${seconds} s per target (\`FUZZ_SECONDS=$seconds bash scripts/fuzz.sh\`), $total executions in all.

| target | executions | corpus inputs | regressions replayed | crashes |
|---|---:|---:|---:|---:|
$(printf "%b" "$rows")
<!-- fuzz:end -->"
python3 - "$section" <<'PY'
import re, sys
path, section = "RELIABILITY.md", sys.argv[1]
text = open(path).read()
text = re.sub(r"<!-- fuzz:begin.*?<!-- fuzz:end -->", lambda _: section, text, flags=re.S)
open(path, "w").write(text)
PY
log "all targets ran clean; RELIABILITY.md updated"
