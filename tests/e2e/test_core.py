"""What a reporter sees in an editor: copydesk's release binary driven by the
recorded capabilities of Neovim 0.11, VS Code and Emacs (eglot), on the
reference article and a draft beside it, with the fixture lexicon.

Every expected range is computed from the text and a byte range by
`lsputil`, in the encoding the server negotiated with that client."""

from __future__ import annotations

import json

import pytest

from conftest import ARTICLE, LEXICON, PROFILES, open_doc
from lsprotocol import types
from lsputil import (
    decode_tokens,
    hover_text,
    inside,
    locations,
    lsp_range,
    plain,
    poll,
    position,
    rng,
    same_uri,
    span,
    word_spans,
)
from pytest_lsp import LanguageClient

ERDEMIR_DESCRIPTION = "director of the Turkey Program at the Foundation for Defense of Democracies"


async def hover(client: LanguageClient, uri: str, pos: types.Position) -> types.Hover | None:
    return await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=pos)
    )


async def hover_when_ready(client, uri, pos, must_contain: str) -> types.Hover:
    """The first hover, once the lexicons are loaded."""
    return await poll(
        lambda: hover(client, uri, pos),
        lambda h: must_contain in hover_text(h),
        what=f"hover at {pos} containing {must_contain!r}",
    )


async def definition(client, uri, pos):
    return locations(
        await client.text_document_definition_async(
            types.DefinitionParams(text_document=types.TextDocumentIdentifier(uri=uri), position=pos)
        )
    )


async def opened_article(client: LanguageClient) -> tuple[str, str]:
    """Opens the article and waits until the lexicon is in use."""
    uri, text = open_doc(client, client.workspace, ARTICLE)
    pos = inside(text, span(text, "Aykan Erdemir"), client.encoding)
    await hover_when_ready(client, uri, pos, ERDEMIR_DESCRIPTION)
    return uri, text


async def opened_draft(client: LanguageClient) -> tuple[str, str]:
    uri, text = open_doc(client, client.workspace, "draft.md")
    pos = inside(text, span(text, "Erdemir", nth=2), client.encoding)
    await hover_when_ready(client, uri, pos, ERDEMIR_DESCRIPTION)
    return uri, text


def assert_same_locations(got, want, what):
    got_n = [(u, rng(r)) for u, r in got]
    want_n = [(u, rng(r)) for u, r in want]
    assert len(got_n) == len(want_n) and all(
        any(same_uri(gu, wu) and gr == wr for gu, gr in got_n) for wu, wr in want_n
    ), f"{what}: got {got_n}, want {want_n}"


async def test_position_encoding_is_negotiated(client: LanguageClient):
    assert client.encoding == PROFILES[client.profile]



async def test_server_sends_only_requests_the_client_announced(client: LanguageClient, request):
    """A request the client did not declare support for (a refresh, say) is an
    error in that editor's log; a whole session must cause none."""
    await opened_article(client)
    await opened_draft(client)
    await client.shutdown_session()
    client.shut_down = True
    assert client.violations == []


async def test_hover_on_erdemir_shows_who_he_is(client: LanguageClient):
    uri, text = await opened_article(client)
    mention = span(text, "Aykan Erdemir")
    # The surname alone, as a reader would point at it.
    h = await hover(client, uri, inside(text, span(text, "Erdemir"), client.encoding, chars_in=3))
    seen = hover_text(h)
    assert "Aykan Erdemir" in seen
    assert ERDEMIR_DESCRIPTION in seen
    assert "person" in seen.lower()
    if h.range is not None:
        assert rng(h.range) == rng(lsp_range(text, *mention, client.encoding))


async def test_hover_on_s400_describes_the_missile_system(client: LanguageClient):
    uri, text = await opened_article(client)
    mention = span(text, "S-400", within="Those S-400 missiles")
    h = await hover(client, uri, inside(text, mention, client.encoding, chars_in=2))
    seen = hover_text(h)
    assert "S-400" in seen
    assert "weapon" in seen.lower()
    assert "sophisticated Russian missile system" in seen
    if h.range is not None:
        assert rng(h.range) == rng(lsp_range(text, *mention, client.encoding))


async def test_has_in_has_wrote_is_kerim_has(client: LanguageClient):
    uri, text = await opened_article(client)
    has = span(text, "Has", within="spiking, Has wrote.")
    seen = hover_text(await hover(client, uri, inside(text, has, client.encoding)))
    assert "Kerim Has" in seen
    assert "lecturer in Turkish-Russian relations at Moscow University" in seen
    # The verb is not the man.
    verb = span(text, "has", within="Nevertheless, Erdogan has reinforced")
    assert "Kerim Has" not in hover_text(await hover(client, uri, inside(text, verb, client.encoding)))


async def test_hover_on_a_quotation_names_speaker_cue_and_sentence(client: LanguageClient):
    uri, text = await opened_article(client)
    quote = span(text, "In my opinion, Erdogan did not get what he expected")
    seen = hover_text(await hover(client, uri, inside(text, quote, client.encoding, chars_in=4)))
    assert "Kerim Has" in seen
    assert "wrote on twitter" in seen.lower()
    assert plain("“In my opinion, Erdogan did not get what he expected,” he wrote on Twitter.") in seen
    lexicon = json.loads(client.workspace.text(LEXICON))
    assert lexicon["sources"][0]["title"] in seen


async def test_definition_goes_from_a_later_mention_to_the_first(client: LanguageClient):
    uri, text = await opened_article(client)
    later = span(text, "Erdogan", within="Nevertheless, Erdogan has")
    first = word_spans(text, "Erdogan")[0]
    assert first == span(text, "Erdogan")  # line 1, after an em dash: columns differ per encoding
    got = await definition(client, uri, inside(text, later, client.encoding))
    assert_same_locations(got, [(uri, lsp_range(text, *first, client.encoding))], "definition of a later Erdogan")


async def test_definition_in_a_draft_with_emoji_and_flag(client: LanguageClient):
    uri, text = await opened_draft(client)
    first = span(text, "Aykan Erdemir")
    later = span(text, "Erdemir", nth=2)
    got = await definition(client, uri, inside(text, later, client.encoding))
    assert_same_locations(got, [(uri, lsp_range(text, *first, client.encoding))], "later Erdemir")

    # Erdoğan (a variant, after 😀) is the first mention of Erdogan in the draft.
    first_erdogan = span(text, "Erdoğan")
    later_erdogan = span(text, "Erdogan", within="Erdogan met Putin")
    got = await definition(client, uri, inside(text, later_erdogan, client.encoding))
    assert_same_locations(got, [(uri, lsp_range(text, *first_erdogan, client.encoding))], "later Erdogan")


async def test_definition_from_the_first_mention_reaches_lexicon_and_evidence(client: LanguageClient):
    ws = client.workspace
    uri, text = await opened_draft(client)
    first = span(text, "Aykan Erdemir")
    got = await definition(client, uri, inside(text, first, client.encoding, chars_in=8))

    # The entity's object in the lexicon file, by its indentation in the
    # canonical layout: entities are the objects indented by four spaces.
    lexicon_lines = ws.text(LEXICON).split("\n")
    id_line = next(i for i, line in enumerate(lexicon_lines) if '"id": "aykan-erdemir"' in line)
    entry_start = max(i for i in range(id_line + 1) if lexicon_lines[i] == "    {")
    entry_end = next(i for i in range(id_line, len(lexicon_lines)) if lexicon_lines[i] in ("    }", "    },"))
    in_lexicon = [r for u, r in got if same_uri(u, ws.uri(LEXICON))]
    assert len(in_lexicon) == 1, f"one location in the lexicon file, got {got}"
    assert entry_start <= in_lexicon[0].start.line <= entry_end, (
        f"lexicon location at line {in_lexicon[0].start.line}, entry spans {entry_start}..{entry_end}"
    )

    article = ws.text(ARTICLE)
    evidence = json.loads(ws.text(LEXICON))
    erdemir = next(e for e in evidence["entities"] if e["id"] == "aykan-erdemir")["evidence"][0]
    in_article = [r for u, r in got if same_uri(u, ws.uri(ARTICLE))]
    assert [rng(r) for r in in_article] == [rng(lsp_range(article, erdemir["start"], erdemir["end"], client.encoding))]
    assert len(got) == 2, f"only the lexicon entry and the evidence: {got}"


async def test_references_list_every_mention_across_open_drafts(client: LanguageClient):
    ws = client.workspace
    article_uri, article = await opened_article(client)
    draft_uri, draft = await opened_draft(client)
    got = locations(
        await client.text_document_references_async(
            types.ReferenceParams(
                text_document=types.TextDocumentIdentifier(uri=draft_uri),
                position=inside(draft, span(draft, "Erdemir", nth=2), client.encoding),
                context=types.ReferenceContext(include_declaration=True),
            )
        )
    )
    want = [
        (draft_uri, lsp_range(draft, *span(draft, "Aykan Erdemir"), client.encoding)),
        (draft_uri, lsp_range(draft, *span(draft, "Erdemir", nth=2), client.encoding)),
        (article_uri, lsp_range(article, *span(article, "Aykan Erdemir"), client.encoding)),
    ]
    mentions = [(u, r) for u, r in got if not same_uri(u, ws.uri(LEXICON))]
    assert_same_locations(mentions, want, "references to Erdemir")


async def test_references_to_erdogan_in_the_article(client: LanguageClient):
    uri, text = await opened_article(client)
    got = locations(
        await client.text_document_references_async(
            types.ReferenceParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=inside(text, span(text, "Erdogan"), client.encoding),
                context=types.ReferenceContext(include_declaration=False),
            )
        )
    )
    in_article = [(u, r) for u, r in got if same_uri(u, uri)]
    spans = word_spans(text, "Erdogan")
    assert len(spans) == 19
    assert_same_locations(
        in_article, [(uri, lsp_range(text, s, e, client.encoding)) for s, e in spans], "mentions of Erdogan"
    )


async def test_hover_ranges_after_emoji_flag_and_breve(client: LanguageClient):
    uri, text = await opened_draft(client)
    erdogan = span(text, "Erdoğan")
    # The cursor just after the ğ: a position that exists in every encoding.
    pos = inside(text, erdogan, client.encoding, chars_in=5)
    h = await hover(client, uri, pos)
    assert "Recep Tayyip Erdogan" in hover_text(h)
    assert h.range is not None, "a hover on a mention says which words it covers"
    assert rng(h.range) == rng(lsp_range(text, *erdogan, client.encoding))

    erdemir = span(text, "Aykan Erdemir")
    h = await hover(client, uri, inside(text, erdemir, client.encoding, chars_in=2))
    assert ERDEMIR_DESCRIPTION in hover_text(h)
    assert rng(h.range) == rng(lsp_range(text, *erdemir, client.encoding))

    expected_columns = {
        "utf-8": (5, 13),  # 😀 is 4 bytes, ğ 2
        "utf-16": (3, 10),  # 😀 is a surrogate pair
        "utf-32": (2, 9),
    }[client.encoding]
    assert (h_start := position(text, erdogan[0], client.encoding)).line == 2
    assert (h_start.character, position(text, erdogan[1], client.encoding).character) == expected_columns


def semantic_legend(client: LanguageClient) -> types.SemanticTokensLegend:
    provider = client.init_result.capabilities.semantic_tokens_provider
    assert provider is not None, "the server offers semantic tokens"
    return provider.legend


async def full_tokens(client, uri) -> list[dict]:
    result = await client.text_document_semantic_tokens_full_async(
        types.SemanticTokensParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    return decode_tokens(result.data, semantic_legend(client))


def token_at(text: str, byte_range, encoding) -> dict:
    r = lsp_range(text, *byte_range, encoding)
    return {"line": r.start.line, "start": r.start.character, "length": r.end.character - r.start.character}


async def test_semantic_tokens_type_each_mention_by_kind(semantic_client: LanguageClient):
    client = semantic_client
    uri, text = await opened_draft(client)
    tokens = await full_tokens(client, uri)
    enc = client.encoding
    expected = [
        (span(text, "Sochi"), "place"),
        (span(text, "Erdoğan"), "person"),
        (span(text, "Aykan Erdemir"), "person"),
        (span(text, "Foundation for Defense of Democracies"), "organization"),
        (span(text, "Erdemir", nth=2), "person"),
        (span(text, "S-400"), "weapon"),
        (span(text, "Erdogan", within="Erdogan met"), "person"),
        (span(text, "Putin"), "person"),
        (span(text, "Sochi", nth=2), "place"),
    ]
    mentions = [t for t in tokens if t["type"] != "quotation"]
    got = [({k: t[k] for k in ("line", "start", "length")}, t["type"]) for t in mentions]
    want = [(token_at(text, r, enc), kind) for r, kind in expected]
    assert got == want

    quote_words = lsp_range(text, *span(text, "wake-up call"), enc)
    quote_marks = lsp_range(text, *span(text, "“wake-up call.”"), enc)
    quotation = [t for t in tokens if t["type"] == "quotation" and t["line"] == quote_words.start.line]
    assert quotation, "the quotation is marked"
    for t in quotation:
        assert quote_marks.start.character <= t["start"] <= quote_words.start.character
        assert quote_words.end.character <= t["start"] + t["length"] <= quote_marks.end.character

    # Tokens never overlap and come in document order, as the protocol requires.
    for a, b in zip(tokens, tokens[1:]):
        assert (a["line"], a["start"] + a["length"]) <= (b["line"], b["start"]) or a["line"] < b["line"]


async def test_semantic_tokens_know_has_the_man_from_has_the_verb(semantic_client: LanguageClient):
    client = semantic_client
    uri, text = await opened_article(client)
    tokens = await full_tokens(client, uri)
    enc = client.encoding

    def tokens_over(byte_range):
        want = token_at(text, byte_range, enc)
        return [t for t in tokens if t["line"] == want["line"] and t["start"] == want["start"]]

    has_wrote = span(text, "Has", within="spiking, Has wrote.")
    assert [t["type"] for t in tokens_over(has_wrote)] == ["person"]
    assert [t["length"] for t in tokens_over(has_wrote)] == [token_at(text, has_wrote, enc)["length"]]
    verb = span(text, "has", within="Nevertheless, Erdogan has reinforced")
    assert tokens_over(verb) == []
    patriot = span(text, "Patriot missile defense system")
    assert [(t["type"], t["length"]) for t in tokens_over(patriot)] == [("weapon", token_at(text, patriot, enc)["length"])]


async def test_semantic_tokens_range_is_the_slice_of_full(semantic_client: LanguageClient):
    client = semantic_client
    uri, text = await opened_draft(client)
    full = await full_tokens(client, uri)
    result = await client.text_document_semantic_tokens_range_async(
        types.SemanticTokensRangeParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(start=types.Position(line=4, character=0), end=types.Position(line=5, character=0)),
        )
    )
    ranged = decode_tokens(result.data, semantic_legend(client))
    # A server may answer for a wider range than asked, but must be right in it.
    on_line = [t for t in ranged if t["line"] == 4]
    assert on_line, "line 5 of the draft has mentions"
    assert on_line == [t for t in full if t["line"] == 4]
    assert all(t in full for t in ranged)


async def test_completion_of_a_typed_prefix(client: LanguageClient, request):
    uri, text = await opened_draft(client)
    enc = client.encoding
    # Type "Stolt" at the end of the flag line, as an incremental change.
    line_end = span(text, "“wake-up call.”")[1]
    at = position(text, line_end, enc)
    client.versions[uri] += 1
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=client.versions[uri]),
            content_changes=[types.TextDocumentContentChangePartial(range=types.Range(start=at, end=at), text=" Stolt")],
        )
    )
    new_text = text.replace("“wake-up call.”", "“wake-up call.” Stolt")
    prefix = span(new_text, "Stolt")
    cursor = position(new_text, prefix[1], enc)
    result = await client.text_document_completion_async(
        types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=uri), position=cursor)
    )
    items = result.items if isinstance(result, types.CompletionList) else (result or ())
    matches = [i for i in items if i.label == "Jens Stoltenberg"]
    assert matches, f"Jens Stoltenberg among {[i.label for i in items]}"
    item = matches[0]
    edit = item.text_edit
    if edit is not None:
        replaced = edit.range if isinstance(edit, types.TextEdit) else edit.replace
        assert rng(replaced) == rng(lsp_range(new_text, *prefix, enc)), "the typed prefix is replaced"
        assert edit.new_text == "Jens Stoltenberg"
    else:
        assert (item.insert_text or item.label) == "Jens Stoltenberg"
    if item.documentation is None:
        item = await client.completion_item_resolve_async(item)
    doc = item.documentation
    doc_text = doc if isinstance(doc, str) else doc.value
    assert "NATO secretary-general" in doc_text
