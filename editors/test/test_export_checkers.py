"""`copydesk lexicon export` against the real checkers it writes for.

A draft full of names the desk's lexicon knows is checked by harper and by
typos twice: without the exported list (they flag the names) and with it (they
flag none of them, and still flag a real typo). Run with the checkers from requirements.txt on PATH:

    python -m venv .venv && .venv/bin/pip install -r editors/test/requirements.txt
    PATH="$PWD/.venv/bin:$PATH" .venv/bin/pytest editors/test

COPYDESK_BIN names the copydesk binary; by default the newest of
target/release/copydesk and target/debug/copydesk.
"""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LEXICONS = [ROOT / "tests/export/desk.lexicon.json", ROOT / "tests/export/region.lexicon.json"]

DRAFT = """\
Aykan Erdemir’s warning came a day after Ned Price, the State Department spokesman, \
said the S-400s would stay in storage. Mr. Price’s remarks were echoed by \
Jaques Wagner, the Brazilian senator, and by Kerim Has, who wrote that Erdogan's \
hand was weak. Fighting in Nagorno-Karabakh and Idlib worried the Foundation for \
Defense of Democracies (FDD) and John McCain’s former aides. Denis O’Brien agreed.

Teh reporter also spelled it Erdoğan and Jacques Wagner once.
"""


def copydesk_bin() -> str:
    if os.environ.get("COPYDESK_BIN"):
        return os.environ["COPYDESK_BIN"]
    built = [ROOT / "target/release/copydesk", ROOT / "target/debug/copydesk"]
    built = [p for p in built if p.exists()]
    if not built:
        pytest.fail("no copydesk binary: run `cargo build` or set COPYDESK_BIN")
    return str(max(built, key=lambda p: p.stat().st_mtime))


def tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        pytest.fail(f"`{name}` is not on PATH: pip install -r editors/test/requirements.txt")
    return found


def export(fmt: str, out: Path) -> None:
    subprocess.run(
        [copydesk_bin(), "lexicon", "export", "--format", fmt, "-o", str(out), *map(str, LEXICONS)],
        check=True,
        capture_output=True,
    )


def harper_flags(draft: Path, dictionary: Path) -> set[str]:
    """The words harper's spell checker flags in `draft`."""
    run = subprocess.run(
        [tool("harper"), "lint", "--only", "SpellCheck", "--format", "json", "--no-color",
         "--user-dict-path", str(dictionary),
         "--file-dict-path", str(dictionary.parent / "file-dicts"), str(draft)],
        capture_output=True,
        text=True,
    )
    start = run.stdout.find("[")
    assert start >= 0, run.stdout + run.stderr
    report = json.loads(run.stdout[start:])
    return {lint["matched_text"] for f in report for lint in f["lints"]}


def typos_flags(draft: Path, config: Path | None) -> set[str]:
    args = [tool("typos"), "--format", "brief", str(draft)]
    if config:
        args[1:1] = ["--config", str(config)]
    run = subprocess.run(args, capture_output=True, text=True)
    return set(re.findall(r"`([^`]+)` should be", run.stdout))


@pytest.fixture
def draft(tmp_path: Path) -> Path:
    path = tmp_path / "draft.md"
    path.write_text(DRAFT, encoding="utf-8")
    return path


def test_harper_stops_flagging_the_desks_names(draft: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    before = harper_flags(draft, empty)
    assert {"Aykan", "Erdemir’s", "Kerim", "Nagorno", "Karabakh", "Jaques", "FDD"} <= before, before

    dictionary = tmp_path / ".harper-dictionary.txt"
    export("harper", dictionary)
    after = harper_flags(draft, dictionary)
    # Only the typo is left. (harper lets "Erdoğan" pass once "Erdogan" is
    # known; telling that variant off is copydesk's name-variant rule's job.)
    assert after == {"Teh"}, after


def test_typos_stops_flagging_the_desks_names(draft: Path, tmp_path: Path) -> None:
    before = typos_flags(draft, None)
    assert {"Ned", "Jaques"} <= before, before

    config = tmp_path / "_typos.toml"
    export("typos", config)
    after = typos_flags(draft, config)
    assert after == {"Teh"}, after
