#!/usr/bin/env bash
# Checks the licences of every dependency against deny.toml. cargo fetches
# the crates (crates.io) once; `check licenses` needs no advisory database.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! cargo deny --version >/dev/null 2>&1; then
  cargo install cargo-deny --locked
fi
cargo deny check licenses
