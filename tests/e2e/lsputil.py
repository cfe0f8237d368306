"""What a test needs to speak to copydesk as an editor would: byte ranges
turned into LSP positions in each encoding, hover text as a reader sees it,
locations and semantic tokens in a comparable form.

Expected positions are computed here independently of the server, from the
text and a byte range, so an encoding bug in the server cannot hide in both.
"""

from __future__ import annotations

import asyncio
import re
import urllib.parse
from pathlib import Path

from lsprotocol import types

_BREAK = re.compile(r"\r\n|\n|\r")


def char_len(s: str, encoding: str) -> int:
    """Length of `s` in the code units of an LSP position encoding."""
    if encoding == "utf-8":
        return len(s.encode("utf-8"))
    if encoding == "utf-16":
        return len(s.encode("utf-16-le")) // 2
    if encoding == "utf-32":
        return len(s)
    raise ValueError(f"unknown position encoding {encoding!r}")


def position(text: str, byte_offset: int, encoding: str) -> types.Position:
    """The LSP position of a UTF-8 byte offset into `text`."""
    prefix = text.encode("utf-8")[:byte_offset].decode("utf-8")
    breaks = list(_BREAK.finditer(prefix))
    line_start = breaks[-1].end() if breaks else 0
    return types.Position(line=len(breaks), character=char_len(prefix[line_start:], encoding))


def lsp_range(text: str, start: int, end: int, encoding: str) -> types.Range:
    return types.Range(start=position(text, start, encoding), end=position(text, end, encoding))


def span(text: str, needle: str, *, nth: int = 1, within: str | None = None) -> tuple[int, int]:
    """Byte range of the `nth` occurrence of `needle`, optionally inside the
    unique occurrence of a longer `within` context."""
    base = 0
    hay = text
    if within is not None:
        assert text.count(within) == 1, f"context {within!r} occurs {text.count(within)} times"
        base = text.index(within)
        hay = within
    at = -1
    for _ in range(nth):
        at = hay.index(needle, at + 1)
    start = len(text[: base + at].encode("utf-8"))
    return start, start + len(needle.encode("utf-8"))


def word_spans(text: str, word: str) -> list[tuple[int, int]]:
    """Byte ranges of every whole-word occurrence of `word`."""
    out = []
    for m in re.finditer(r"(?<!\w)" + re.escape(word) + r"(?!\w)", text):
        start = len(text[: m.start()].encode("utf-8"))
        out.append((start, start + len(m.group(0).encode("utf-8"))))
    return out


def inside(text: str, rng: tuple[int, int], encoding: str, *, chars_in: int = 1) -> types.Position:
    """A cursor position `chars_in` characters into a byte range."""
    start, end = rng
    piece = text.encode("utf-8")[start:end].decode("utf-8")
    return position(text, start + len(piece[:chars_in].encode("utf-8")), encoding)


_MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def hover_text(hover: types.Hover | None) -> str:
    """The hover's text as a reader sees it: Markdown escapes removed,
    whitespace collapsed. Empty when there is no hover."""
    if hover is None:
        return ""
    contents = hover.contents
    parts = contents if isinstance(contents, (list, tuple)) else [contents]
    texts = []
    for p in parts:
        if isinstance(p, str):
            texts.append(p)
        elif hasattr(p, "value"):
            texts.append(p.value)
    text = _MD_ESCAPE.sub(r"\1", "\n".join(texts))
    return " ".join(text.split())


def plain(s: str) -> str:
    return " ".join(s.split())


def same_uri(a: str, b: str) -> bool:
    def norm(u: str) -> str:
        p = urllib.parse.urlparse(u)
        return str(Path(urllib.parse.unquote(p.path)).resolve())

    return norm(a) == norm(b)


def locations(result) -> list[tuple[str, types.Range]]:
    """Definition/references results (Location, Location[], LocationLink[]) as
    (uri, range) pairs, in the server's order."""
    if result is None:
        return []
    # lsprotocol structures a JSON array as a tuple.
    items = result if isinstance(result, (list, tuple)) else [result]
    out = []
    for item in items:
        if isinstance(item, types.LocationLink):
            out.append((item.target_uri, item.target_selection_range))
        else:
            out.append((item.uri, item.range))
    return out


def rng(r: types.Range) -> tuple[int, int, int, int]:
    return (r.start.line, r.start.character, r.end.line, r.end.character)


def decode_tokens(data: list[int], legend: types.SemanticTokensLegend) -> list[dict]:
    """Semantic tokens as absolute (line, start, length, type name, modifiers)."""
    tokens = []
    line = start = 0
    for i in range(0, len(data), 5):
        d_line, d_start, length, ty, mods = data[i : i + 5]
        if d_line:
            line += d_line
            start = d_start
        else:
            start += d_start
        tokens.append(
            {
                "line": line,
                "start": start,
                "length": length,
                "type": legend.token_types[ty],
                "modifiers": [m for b, m in enumerate(legend.token_modifiers) if mods & (1 << b)],
            }
        )
    return tokens


async def poll(request, accept, *, what: str, timeout: float = 15.0):
    """Repeats `request()` until `accept(result)`; the server loads lexicons
    in the background, so the first answers after start or reload may
    legitimately predate them. Bounded: fails with the last answer."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = await request()
        if accept(result):
            return result
        if loop.time() > deadline:
            raise AssertionError(f"{what}: still not there after {timeout}s; last answer: {result!r}")
        await asyncio.sleep(0.1)
