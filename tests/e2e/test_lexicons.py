"""Where the server finds its lexicons and how it picks up changes, seen from
the editor: what the hover on "Aykan Erdemir" says.

A decoy lexicon names someone no other lexicon knows ("Zubair Decoyman"): a
card for him means the server loaded a lexicon it must not load."""

from __future__ import annotations

import json
import re
from urllib.parse import unquote, urlparse

import pytest_lsp
from conftest import LEXICON, SERVER, Workspace, open_doc, start
from lsprotocol import types
from lsputil import hover_text, inside, poll, span
from pytest_lsp import LanguageClient

DESCRIPTION = "director of the Turkey Program at the Foundation for Defense of Democracies"
PROFILE = "visual-studio-code"  # registers file watchers dynamically, unlike Neovim 0.11's profile


@pytest_lsp.fixture(config=SERVER, name="bare_client")
async def bare_client(lsp_client: LanguageClient):
    """A started server the test initializes itself."""
    yield
    await lsp_client.shutdown_session()
    assert lsp_client.violations == []


DECOY = "Zubair Decoyman"
NOTE = f"Aykan Erdemir met {DECOY} in Sochi.\n"


def decoy(marker: str) -> str:
    return json.dumps(
        {
            "copydesk_lexicon": 1,
            "entities": [
                {"id": "decoy-erdemir", "name": "Aykan Erdemir", "kind": "person", "description": f"{marker} decoy"},
                {"id": "decoy-man", "name": DECOY, "kind": "person", "description": f"{marker} decoy"},
            ],
        }
    )


def with_erdemir_description(lexicon_text: str, description: str) -> str:
    lexicon = json.loads(lexicon_text)
    for e in lexicon["entities"]:
        if e["id"] == "aykan-erdemir":
            e["description"] = description
    return json.dumps(lexicon, ensure_ascii=False, indent=2) + "\n"


async def erdemir_hover(client: LanguageClient) -> tuple[str, types.Position]:
    """Opens a note naming Erdemir and the decoy; the position of Erdemir."""
    client.workspace.write("note.md", NOTE)
    uri, text = open_doc(client, client.workspace, "note.md")
    return uri, inside(text, span(text, "Aykan Erdemir"), client.encoding)


async def decoy_card(client: LanguageClient, uri: str) -> str:
    return await hover_text_at(client, uri, inside(NOTE, span(NOTE, DECOY), client.encoding))


async def hover_text_at(client, uri, pos) -> str:
    return hover_text(
        await client.text_document_hover_async(
            types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=pos)
        )
    )


async def wait_for_hover(client, uri, pos, must_contain: str) -> str:
    return await poll(
        lambda: hover_text_at(client, uri, pos),
        lambda seen: must_contain in seen,
        what=f"hover on Erdemir containing {must_contain!r}",
    )


async def test_workspace_configuration_wins_over_initialization_options(
    bare_client: LanguageClient, workspace: Workspace
):
    workspace.write("other.lexicon.json", decoy("INITOPTIONS"))
    bare_client.set_configuration({"lexicons": [LEXICON]}, section="copydesk")
    await start(bare_client, PROFILE, workspace, init_options={"lexicons": ["other.lexicon.json"]})
    uri, pos = await erdemir_hover(bare_client)
    await wait_for_hover(bare_client, uri, pos, DESCRIPTION)
    assert await decoy_card(bare_client, uri) == "", "initializationOptions' lexicon was loaded too"


async def test_copydesk_toml_names_the_lexicons(bare_client: LanguageClient, workspace: Workspace):
    workspace.write("copydesk.toml", f'lexicons = ["{LEXICON}"]\n')
    workspace.write("unlisted.lexicon.json", decoy("UNLISTED"))
    await start(bare_client, PROFILE, workspace)
    uri, pos = await erdemir_hover(bare_client)
    await wait_for_hover(bare_client, uri, pos, DESCRIPTION)
    assert await decoy_card(bare_client, uri) == "", "copydesk.toml lists the lexicons; discovery must not add others"


async def test_discovery_finds_lexicons_below_the_root_and_skips_tool_folders(
    bare_client: LanguageClient, workspace: Workspace
):
    root = workspace.root
    (root / "lexicons").mkdir()
    (root / LEXICON).rename(root / "lexicons" / LEXICON)
    (root / "sochi-putin-erdogan.txt").rename(root / "lexicons" / "sochi-putin-erdogan.txt")
    for skipped in ("node_modules/pkg", ".git", "target/debug"):
        workspace.write(f"{skipped}/skipped.lexicon.json", decoy("SKIPPED"))
    await start(bare_client, PROFILE, workspace)
    uri, pos = await erdemir_hover(bare_client)
    await wait_for_hover(bare_client, uri, pos, DESCRIPTION)
    assert await decoy_card(bare_client, uri) == "", "a lexicon under a skipped folder was loaded"


def glob_regex(glob: str) -> re.Pattern:
    """LSP glob patterns: `**`, `*`, `?`, `{a,b}`, `[...]`."""
    out, i = "", 0
    while i < len(glob):
        c = glob[i]
        if glob.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
            continue
        if glob.startswith("**", i):
            out, i = out + ".*", i + 2
            continue
        if c == "*":
            out += "[^/]*"
        elif c == "?":
            out += "[^/]"
        elif c == "{":
            close = glob.index("}", i)
            out += "(?:" + "|".join(re.escape(a) for a in glob[i + 1 : close].split(",")) + ")"
            i = close
        elif c == "[":
            close = glob.index("]", i)
            out += glob[i : close + 1].replace("[!", "[^")
            i = close
        else:
            out += re.escape(c)
        i += 1
    return re.compile(out)


def watched(client: LanguageClient, path) -> bool:
    """Whether a watcher the server registered covers `path`."""
    for reg in client.registrations:
        if reg.method != types.WORKSPACE_DID_CHANGE_WATCHED_FILES:
            continue
        options = reg.register_options or {}
        watchers = options.get("watchers", []) if isinstance(options, dict) else options.watchers
        for w in watchers:
            pattern = w["globPattern"] if isinstance(w, dict) else w.glob_pattern
            if isinstance(pattern, str):
                base, glob = None, pattern
            else:
                base = pattern["baseUri"] if isinstance(pattern, dict) else pattern.base_uri
                base = base if isinstance(base, str) else (base["uri"] if isinstance(base, dict) else base.uri)
                glob = pattern["pattern"] if isinstance(pattern, dict) else pattern.pattern
            target = str(path)
            if base is not None:
                prefix = unquote(urlparse(base).path).rstrip("/") + "/"
                if not target.startswith(prefix):
                    continue
                target = target[len(prefix) :]
            if glob_regex(glob).fullmatch(target) or glob_regex(glob).fullmatch(target.lstrip("/")):
                return True
    return False


async def test_lexicon_edits_are_picked_up_and_a_broken_file_keeps_the_last_good(
    bare_client: LanguageClient, workspace: Workspace
):
    client = bare_client
    await start(client, PROFILE, workspace, init_options={"lexicons": [LEXICON]})
    uri, pos = await erdemir_hover(client)
    await wait_for_hover(client, uri, pos, DESCRIPTION)
    lexicon_path = workspace.root / LEXICON
    await poll(
        lambda: _async(watched(client, lexicon_path)),
        bool,
        what="a didChangeWatchedFiles registration covering the lexicon",
    )

    edited = "Turkey scholar at a Washington research group (edited by the desk)"
    workspace.write(LEXICON, with_erdemir_description(workspace.text(LEXICON), edited))
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=lexicon_path.as_uri(), type=types.FileChangeType.Changed)]
        )
    )
    await wait_for_hover(client, uri, pos, edited)

    workspace.write(LEXICON, '{\n  "copydesk_lexicon": 1,\n  "entities": [,]\n}\n')
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=lexicon_path.as_uri(), type=types.FileChangeType.Changed)]
        )
    )
    message = await poll(
        lambda: _async(next((m for m in client.messages if LEXICON in m.message), None)),
        lambda m: m is not None,
        what="a showMessage naming the broken lexicon",
    )
    assert message.type in (types.MessageType.Error, types.MessageType.Warning)
    assert re.search(r"\b3\b", message.message) and re.search(r"\b16\b", message.message), (
        f"line 3, column 16 in {message.message!r}"
    )
    assert edited in await hover_text_at(client, uri, pos), "the last good lexicon stays in use"


async def test_configuration_change_switches_lexicons(bare_client: LanguageClient, workspace: Workspace):
    client = bare_client
    workspace.write("other.lexicon.json", decoy("SWITCHED"))
    client.set_configuration({"lexicons": [LEXICON]}, section="copydesk")
    await start(client, PROFILE, workspace)
    uri, pos = await erdemir_hover(client)
    await wait_for_hover(client, uri, pos, DESCRIPTION)

    client.set_configuration({"lexicons": ["other.lexicon.json"]}, section="copydesk")
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"copydesk": {"lexicons": ["other.lexicon.json"]}})
    )
    seen = await wait_for_hover(client, uri, pos, "SWITCHED decoy")
    assert DESCRIPTION not in seen
    assert "SWITCHED decoy" in await decoy_card(client, uri)


async def _async(value):
    return value
