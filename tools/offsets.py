#!/usr/bin/env python3
"""Byte offsets for hand-editing lexicons.

Lexicon offsets are UTF-8 byte offsets; an article with curly quotes or
accented names has byte offsets that differ from the character indexes an
editor shows, so count them with this rather than by eye.

    tools/offsets.py ARTICLE find TEXT      every occurrence of TEXT: start end line:col
    tools/offsets.py ARTICLE show START END the bytes START..END, checked for UTF-8 boundaries
"""
import sys


def line_col(data: bytes, at: int) -> str:
    line = data.count(b"\n", 0, at) + 1
    col = at - (data.rfind(b"\n", 0, at) + 1) + 1
    return f"{line}:{col}"


def find(data: bytes, text: str) -> int:
    needle = text.encode("utf-8")
    count = 0
    at = data.find(needle)
    while at != -1:
        count += 1
        end = at + len(needle)
        before = data[max(0, at - 30):at].decode("utf-8", "replace")
        after = data[end:end + 30].decode("utf-8", "replace")
        print(f"{at}\t{end}\t{line_col(data, at)}\t…{before}[{text}]{after}…".replace("\n", "⏎"))
        at = data.find(needle, at + 1)
    return 0 if count else 1


def show(data: bytes, start: int, end: int) -> int:
    if not 0 <= start <= end <= len(data):
        print(f"range {start}..{end} is outside the file ({len(data)} bytes)", file=sys.stderr)
        return 1
    try:
        text = data[start:end].decode("utf-8")
    except UnicodeDecodeError as e:
        print(f"range {start}..{end} splits a character: {e}", file=sys.stderr)
        return 1
    print(f"{line_col(data, start)}..{line_col(data, end)}\t{text}")
    return 0


def main(argv: list[str]) -> int:
    if len(argv) < 4 or argv[2] not in ("find", "show"):
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], "rb") as f:
        data = f.read()
    if argv[2] == "find":
        return find(data, " ".join(argv[3:]))
    return show(data, int(argv[3]), int(argv[4]))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
