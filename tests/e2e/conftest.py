"""Fixtures for the end-to-end tests: the release binary, a temporary
workspace holding the reference article and the fixture lexicon, and a
language client that starts `copydesk serve` with a real editor's
capabilities (pytest-lsp's recorded client profiles)."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import make_test_lsp_client

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
ARTICLE = "sochi-putin-erdogan.txt"
LEXICON = "sochi.lexicon.json"
BINARY = Path(os.environ.get("COPYDESK_BIN", REPO / "target" / "release" / "copydesk")).resolve()

# The encoding each profile must end up with: the server prefers utf-8 (its
# ranges are bytes) whenever the client offers it, and falls back to the
# protocol's default, utf-16, for clients that offer nothing (VS Code).
PROFILES = {
    "neovim@v0.11.0": "utf-8",
    "visual-studio-code": "utf-16",
    "emacs": "utf-8",
}

# A draft next to the article: an emoji, a flag, "ğ" and "’" before mentions,
# so every position differs between utf-8, utf-16 and utf-32.
DRAFT = """# Notes from Sochi

😀 Erdoğan’s visit to Ankara was short.

🇹🇷 Aykan Erdemir, of the Foundation for Defense of Democracies, called it a “wake-up call.”

Later, Erdemir said the S-400 deal would last. Erdogan met Putin in Sochi.
"""


@dataclass
class Workspace:
    root: Path

    def uri(self, name: str) -> str:
        return (self.root / name).as_uri()

    def text(self, name: str) -> str:
        return (self.root / name).read_text(encoding="utf-8")

    def write(self, name: str, text: str) -> Path:
        """Writes as an editor or a tool would: whole file, then rename."""
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
        return path


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    root = tmp_path / "desk"
    root.mkdir()
    shutil.copyfile(FIXTURES / ARTICLE, root / ARTICLE)
    shutil.copyfile(FIXTURES / LEXICON, root / LEXICON)
    (root / "draft.md").write_text(DRAFT, encoding="utf-8")
    return Workspace(root.resolve())


# Server-to-client refresh requests, and the client capability that allows each.
REFRESHES = {
    types.WORKSPACE_SEMANTIC_TOKENS_REFRESH: "workspace.semantic_tokens.refresh_support",
    types.WORKSPACE_CODE_LENS_REFRESH: "workspace.code_lens.refresh_support",
    types.WORKSPACE_INLAY_HINT_REFRESH: "workspace.inlay_hint.refresh_support",
    types.WORKSPACE_INLINE_VALUE_REFRESH: "workspace.inline_value.refresh_support",
}


def capability(capabilities, dotted: str):
    value = capabilities
    for part in dotted.split("."):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


def recording_client() -> LanguageClient:
    """pytest-lsp's client, also answering what a real editor answers:
    `client/registerCapability` (kept in `registrations`) and the refresh
    requests its profile announces. A request the profile did not announce
    support for is a protocol violation, kept in `violations`."""
    client = make_test_lsp_client()
    client.registrations = []
    client.refreshes = []
    client.violations = []
    client.statuses = []

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams):
        client.registrations.extend(params.registrations)
        return None

    def refresh_handler(method: str, dotted: str):
        def handler(params: None):
            client.refreshes.append(method)
            if not capability(client.capabilities, dotted):
                client.violations.append(f"{method} sent to a client without {dotted}")
            return None

        return handler

    for method, dotted in REFRESHES.items():
        client.feature(method)(refresh_handler(method, dotted))

    @client.feature("copydesk/status")
    def status(params):
        client.statuses.append(params)

    return client


SERVER = ClientServerConfig(server_command=[str(BINARY), "serve"], client_factory=recording_client)


async def start(
    client: LanguageClient,
    profile: str,
    workspace: Workspace,
    *,
    init_options=None,
) -> types.InitializeResult:
    if not BINARY.is_file():
        pytest.fail(f"no copydesk binary at {BINARY}: run `cargo build --release` or set COPYDESK_BIN")
    params = types.InitializeParams(
        capabilities=client_capabilities(profile),
        client_info=types.ClientInfo(name=profile),
        root_uri=workspace.root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=workspace.root.as_uri(), name=workspace.root.name)],
        initialization_options=init_options,
    )
    result = await client.initialize_session(params)
    client.profile = profile
    client.workspace = workspace
    client.encoding = result.capabilities.position_encoding or "utf-16"
    client.init_result = result
    client.versions = {}
    return result


def open_doc(client: LanguageClient, workspace: Workspace, name: str) -> tuple[str, str]:
    """Opens a workspace file in the server as the editor does; returns (uri, text)."""
    uri = workspace.uri(name)
    text = workspace.text(name)
    language = "markdown" if name.endswith(".md") else "plaintext"
    client.versions[uri] = 1
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id=language, version=1, text=text)
        )
    )
    return uri, text


def profile_client(name: str, profiles: list[str]):
    """A fixture: a client of each of `profiles`, with the fixture lexicon
    named in the settings (initializationOptions), as a desk's editor config
    would name it."""

    @pytest_lsp.fixture(config=SERVER, params=profiles, name=name)
    async def fixture(lsp_client: LanguageClient, request, workspace: Workspace):
        await start(lsp_client, request.param, workspace, init_options={"lexicons": [LEXICON]})
        yield
        if not getattr(lsp_client, "shut_down", False):
            await lsp_client.shutdown_session()

    return fixture


client = profile_client("client", list(PROFILES))
# Emacs' eglot 29.1 does not ask for semantic tokens.
semantic_client = profile_client("semantic_client", ["neovim@v0.11.0", "visual-studio-code"])
