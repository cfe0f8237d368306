#!/usr/bin/env bash
# The whole test suite: style, unit, protocol and end-to-end tests against
# the release binary from real clients. Installs what it needs on a fresh
# machine (Debian's neovim, a Python venv with pytest-lsp, the editor
# extension's npm packages), so it is also what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n=== %s\n' "$*"; }

# A clean clone builds everything once: incremental compilation would only
# add gigabytes of caches (2.2 GB measured) to a disk CI shares.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

step "prerequisites"
df -h . | sed 's/^/disk: /'
# Debian's Neovim (0.7.2) and Emacs with eglot: the real clients the
# end-to-end tests drive.
missing=()
command -v nvim >/dev/null 2>&1 || missing+=(neovim)
command -v emacs >/dev/null 2>&1 || missing+=(emacs-nox)
[ -d /usr/share/emacs/site-lisp/elpa-src ] && ls /usr/share/emacs/site-lisp/elpa-src | grep -q '^eglot' || missing+=(elpa-eglot)
# make and a C compiler: tikv-jemalloc-sys builds jemalloc from source.
command -v make >/dev/null 2>&1 || missing+=(make)
command -v cc >/dev/null 2>&1 || missing+=(gcc)
# llvm-profdata from the LLVM rustc is built with, for the profile-guided
# build (scripts/pgo-build.sh).
llvm=$(rustc -vV | sed -n 's/^LLVM version: \([0-9]*\).*/\1/p')
command -v "llvm-profdata-$llvm" >/dev/null 2>&1 || missing+=("llvm-$llvm")
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The SARIF output is validated against its schema with Python's jsonschema.
python3 -c 'import jsonschema' 2>/dev/null || python3 -m pip install -q --disable-pip-version-check jsonschema==4.26.0

step "format and lints"
cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings

step "unit and protocol tests"
cargo test --locked

step "release binary"
cargo build --release --locked
plain_bin="$PWD/target/release/copydesk"

step "profile-guided release binary (what a release ships)"
bash scripts/pgo-build.sh
export COPYDESK_BIN="$PWD/target/pgo/release/copydesk"
# Only the machine code may differ: the same findings, byte for byte, on
# the example and on a 50,000-word draft against the 100k-entity lexicon
# that training generated.
train=target/pgo/bench/tmp/copydesk-workloads
lexicon_100k=$(ls "$train"/gen-100000-*.lexicon.json)
long_draft="$train/train/check/draft-1.md"
test -s "$long_draft"
# One binary after the other: an index cache is keyed on the binary that
# wrote it, so alternating would rebuild the 100k lexicon's every time.
for build in plain pgo; do
  if [ $build = pgo ]; then bin=$COPYDESK_BIN; else bin=$plain_bin; fi
  for format in human json sarif; do
    "$bin" check --fail-on never --format "$format" examples/draft.md \
      tests/fixtures/sochi-putin-erdogan.txt >"target/pgo/$build.example.$format"
    "$bin" check --fail-on never --format "$format" --lexicon "$lexicon_100k" \
      "$long_draft" >"target/pgo/$build.long.$format"
  done
done
for out in target/pgo/plain.*; do
  test -s "$out"
  cmp "$out" "target/pgo/pgo.${out#target/pgo/plain.}"
done
echo "the profile-guided binary's findings equal the plain release build's"

step "malformed protocol input and a 5 MB draft against the release binary"
cargo test --locked --test e2e_malformed

step "end to end: pytest-lsp and Neovim against the release binary"
tests/e2e/run.sh "$COPYDESK_BIN"

step "VS Code extension: protocol tests against the binary, extension logic"
(cd editors/vscode && npm ci --no-audit --no-fund && npm test)

step "VS Code extension: the .vsix builds offline"
(cd editors/vscode && npm run package -- --binary "$COPYDESK_BIN")

step "Neovim plugin through its own setup()"
editors/nvim/test/run.sh "$COPYDESK_BIN"

step "Emacs eglot with the documented configuration"
emacs --batch -l editors/test/eglot-test.el

step "exported word lists silence the real harper and typos checkers"
python3 -m venv editors/test/.venv
editors/test/.venv/bin/pip install -q --disable-pip-version-check -r editors/test/requirements.txt
PATH="$PWD/editors/test/.venv/bin:$PATH" editors/test/.venv/bin/pytest -q editors/test

step "dependency licences (cargo deny)"
bash scripts/licenses.sh

step "all tests passed"
