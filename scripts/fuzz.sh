#!/usr/bin/env bash
# Runs every cargo-fuzz target for a bounded time and reports how many
# inputs each executed. Not part of CI (it needs minutes per target).
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#
# Defaults: 300 seconds, every target. cargo-fuzz needs nightly features;
# on stable Rust RUSTC_BOOTSTRAP=1 enables them (the sanitizer flags).
# Crashing inputs land in fuzz/artifacts/TARGET/; each one found must
# become a regression test (see RELIABILITY.md).
set -euo pipefail
cd "$(dirname "$0")/.."

secs="${1:-300}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(edits analysis lexicon)

export RUSTC_BOOTSTRAP=1
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi

# Seeds: the reference article, the fixture lexicon and a little Markdown.
seed() {
  local dir="fuzz/corpus/$1"
  shift
  mkdir -p "$dir"
  for f in "$@"; do cp -n "$f" "$dir/" 2>/dev/null || true; done
}
seed_md="$(mktemp)"
trap 'rm -f "$seed_md"' EXIT
printf '%s' '0# Sochi

> “We will continue,” **Erdoğan** said, [link](http://x) `code` <b>html</b>

- Mr. Putin said: “NATO’s ‘red line’.”
' >"$seed_md"
seed analysis tests/fixtures/sochi-putin-erdogan.txt "$seed_md"
seed lexicon tests/fixtures/sochi.lexicon.json tests/export/*.lexicon.json
mkdir -p fuzz/corpus/edits

declare -A max_len=([edits]=4096 [analysis]=16384 [lexicon]=65536)
declare -A dict=([lexicon]=fuzz/lexicon.dict [analysis]=fuzz/analysis.dict)

cargo fuzz build -O
failed=()
summary=()
for t in "${targets[@]}"; do
  log="fuzz/artifacts/$t.log"
  mkdir -p fuzz/artifacts
  args=(-max_total_time="$secs" -print_final_stats=1 -rss_limit_mb=2048 -timeout=20
        -max_len="${max_len[$t]:-4096}")
  [ -n "${dict[$t]:-}" ] && args+=(-dict="${dict[$t]}")
  echo "=== fuzzing $t for ${secs}s"
  if cargo fuzz run -O "$t" "fuzz/corpus/$t" -- "${args[@]}" >"$log" 2>&1; then
    status=ok
  else
    status=CRASH
    failed+=("$t")
  fi
  execs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -n1)"
  corpus="$(ls "fuzz/corpus/$t" | wc -l)"
  summary+=("$(printf '%-10s %-6s executions=%-12s corpus=%s' "$t" "$status" "${execs:-?}" "$corpus")")
  [ "$status" = ok ] || grep -m5 -E 'panicked|ERROR|SUMMARY|Test unit written' "$log" || true
done

echo
echo "=== fuzz summary (${secs}s per target, $(date -u +%Y-%m-%dT%H:%MZ))"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "crashes in: ${failed[*]} (inputs under fuzz/artifacts/)"
  exit 1
fi
