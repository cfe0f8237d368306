#!/usr/bin/env bash
# Checks the licences of every dependency against deny.toml. Offline once
# cargo-deny is installed: `check licenses` needs no advisory database.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! cargo deny --version >/dev/null 2>&1; then
  cargo install cargo-deny --locked
fi
cargo deny --offline check licenses
