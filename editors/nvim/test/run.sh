#!/usr/bin/env bash
# The Neovim plugin's headless test against a copydesk binary:
#   editors/nvim/test/run.sh [path/to/copydesk]
# Without an argument: $COPYDESK_BIN, else the newest of target/release and
# target/debug. Needs `nvim` (0.7 or later) on PATH.
set -euo pipefail
cd "$(dirname "$0")/../../.."
if [ $# -gt 0 ]; then
  export COPYDESK_BIN="$1"
fi
exec timeout 300 nvim --headless -u NONE -i NONE -c "luafile editors/nvim/test/run.lua"
