#!/usr/bin/env bash
# Bounded soak of the release binary (default 300 s): edits and requests
# interleaved, memory sampled from /proc; fails if it keeps growing.
#   scripts/soak.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked
exec python3 scripts/soak.py target/release/copydesk "${1:-300}"
