#!/usr/bin/env bash
# End-to-end tests against a built copydesk binary: pytest-lsp with recorded
# Neovim 0.11, VS Code and Emacs client profiles, the lexicon schema tests,
# then Neovim (Debian's 0.7) headless. Builds nothing.
#
#   tests/e2e/run.sh [path/to/copydesk]     (default: target/release/copydesk)
#
# Needs python3 (with venv) and nvim on PATH. Creates tests/e2e/.venv on first
# use (git-ignored) and installs the pinned requirements into it. Extra pytest
# arguments can be passed in PYTEST_ARGS (e.g. PYTEST_ARGS="-k hover").
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
bin="${1:-$repo/target/release/copydesk}"
case "$bin" in /*) ;; *) bin="$PWD/$bin" ;; esac
if [ ! -x "$bin" ]; then
    echo "e2e: no copydesk binary at $bin (run: cargo build --release)" >&2
    exit 2
fi
command -v nvim >/dev/null || { echo "e2e: nvim not found (apt-get install -y neovim)" >&2; exit 2; }
export COPYDESK_BIN="$bin"

venv="$here/.venv"
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"
    echo "$want" > "$stamp"
fi

status=0
# pytest exits 5 when it collected no test: that is a failure here too.
( cd "$here" && "$venv/bin/python" -m pytest -p no:cacheprovider ${PYTEST_ARGS:-} ) || status=$?
if [ "$status" -ne 0 ]; then
    echo "e2e: pytest failed (exit $status)" >&2
fi

nvim_status=0
( cd "$repo" && timeout 300 nvim --headless -u NONE -i NONE -n \
    -c 'luafile tests/e2e/nvim/core_test.lua' ) || nvim_status=$?
if [ "$nvim_status" -ne 0 ]; then
    echo "e2e: neovim headless test failed (exit $nvim_status)" >&2
    status=1
fi
exit "$status"
