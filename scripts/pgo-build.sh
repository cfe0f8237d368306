#!/usr/bin/env bash
# Builds copydesk with profile-guided optimisation (PGO): the binary a
# release ships, at target/pgo/release/copydesk.
#
#   1. an instrumented release build (target/pgo/gen);
#   2. training: that build checks the example draft and the reference
#      article, then the protocol benchmark drives it once through every
#      row's traffic (open, edit, requests, cold start, `check`) on
#      generated drafts that no measuring run reads (`--train`);
#   3. llvm-profdata merges what it counted;
#   4. the release build again, laid out and inlined by those counts.
#
# Same source, same features, same outputs as `cargo build --release`
# (scripts/test.sh compares them); only the machine code differs. Needs
# llvm-profdata from the LLVM that rustc was built with (Debian's
# llvm-N package, or `rustup component add llvm-tools`).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n=== pgo: %s\n' "$*"; }

llvm=$(rustc -vV | sed -n 's/^LLVM version: \([0-9]*\).*/\1/p')
profdata=""
host=$(rustc -vV | sed -n 's/^host: //p')
for candidate in \
  "$(rustc --print sysroot)/lib/rustlib/$host/bin/llvm-profdata" \
  "$(command -v "llvm-profdata-$llvm" || true)" \
  "/usr/lib/llvm-$llvm/bin/llvm-profdata"; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then
    profdata=$candidate
    break
  fi
done
if [ -z "$profdata" ]; then
  echo "pgo-build: needs llvm-profdata from LLVM $llvm, the LLVM of $(rustc --version):" >&2
  echo "  apt-get install llvm-$llvm   or   rustup component add llvm-tools" >&2
  exit 2
fi

out=target/pgo
profiles="$PWD/$out/profiles"
# Counts from an earlier build of other code would be merged in.
rm -rf "$profiles"
mkdir -p "$profiles"
# Where training writes its counts: the instrumented build's own build
# scripts and procedural macros run while it compiles and would write
# theirs to the directory the build names.
export LLVM_PROFILE_FILE="$profiles/copydesk-%m.profraw"
# Appended to, not replacing, what the caller sets.
base_flags="${RUSTFLAGS:-}"

step "instrumented build"
LLVM_PROFILE_FILE="$PWD/$out/gen/build-%m.profraw" RUSTFLAGS="$base_flags -Cprofile-generate=$PWD/$out/gen" \
  cargo build --release --locked --target-dir "$out/gen"
gen="$PWD/$out/gen/release/copydesk"

step "training: the bundled example"
for format in human json sarif; do
  "$gen" check --fail-on never --format "$format" \
    examples/draft.md tests/fixtures/sochi-putin-erdogan.txt >/dev/null
done

step "training: the protocol benchmark's traffic, on drafts it never measures"
# The driver's own speed does not matter: built without LTO, in a target
# directory of its own so that it never replaces target/release.
CARGO_PROFILE_BENCH_LTO=off CARGO_PROFILE_BENCH_CODEGEN_UNITS=16 CARGO_PROFILE_BENCH_DEBUG=0 \
  cargo bench --locked --target-dir "$out/bench" --bench lsp -- \
  --train --copydesk "$gen" --rows open,edit,requests,cold,check >/dev/null

step "merge the profiles"
"$profdata" merge -o "$out/copydesk.profdata" "$profiles"

step "optimised build"
RUSTFLAGS="$base_flags -Cprofile-use=$PWD/$out/copydesk.profdata" \
  cargo build --release --locked --target-dir "$out"
echo "pgo-build: $out/release/copydesk"
