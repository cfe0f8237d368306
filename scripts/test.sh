#!/usr/bin/env bash
# The whole test suite: style, unit, protocol and end-to-end tests against
# the release binary from real clients. Installs what it needs on a fresh
# machine (Debian's neovim, a Python venv with pytest-lsp, the editor
# extension's npm packages), so it is also what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n=== %s\n' "$*"; }

step "prerequisites"
if ! command -v nvim >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq neovim >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq neovim >/dev/null
  fi
fi

step "format and lints"
cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings

step "unit and protocol tests"
cargo test --locked

step "release binary"
cargo build --release --locked
export COPYDESK_BIN="$PWD/target/release/copydesk"

step "end to end: pytest-lsp and Neovim against the release binary"
tests/e2e/run.sh "$COPYDESK_BIN"

step "VS Code extension: protocol tests against the binary, extension logic"
(cd editors/vscode && npm ci --no-audit --no-fund && npm test)

step "Neovim plugin through its own setup()"
editors/nvim/test/run.sh "$COPYDESK_BIN"

step "all tests passed"
