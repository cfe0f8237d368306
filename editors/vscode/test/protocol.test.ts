// The protocol as the extension's client speaks it, against the real
// `copydesk serve`: vscode-languageserver-protocol (the library under
// vscode-languageclient) over the child's stdio, with the capabilities and
// settings VS Code sends.
//
// COPYDESK_BIN names the program; by default the newest of the repository's
// target/release/copydesk and target/debug/copydesk.

import './stub/install'; // status.ts imports vscode; only its pure part is used here.
import { strict as assert } from 'assert';
import { ChildProcess, spawn } from 'child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { pathToFileURL } from 'url';
import { after, before, describe, it } from 'node:test';
import {
  ClientCapabilities,
  CodeActionRequest,
  ExecuteCommandRequest,
  ConfigurationRequest,
  DefinitionRequest,
  Diagnostic,
  DidChangeConfigurationNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  HoverRequest,
  InitializeRequest,
  InitializeResult,
  InitializedNotification,
  MarkupContent,
  ProtocolConnection,
  PublishDiagnosticsNotification,
  PublishDiagnosticsParams,
  RegistrationRequest,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  TextEdit,
  UnregistrationRequest,
  WorkDoneProgressCreateRequest,
  createProtocolConnection,
} from 'vscode-languageserver-protocol/node';

import { describeBuildResult } from '../src/build';
import { findLexiconEntry, toTargets } from '../src/lexiconEntry';
import { ServerSettings } from '../src/settings';
import { StatusParams, describeStatus } from '../src/status';

const ROOT = resolve(__dirname, '../../../..');
const FIXTURES = join(ROOT, 'tests/fixtures');
const ARTICLE = join(FIXTURES, 'sochi-putin-erdogan.txt');
const LEXICON = join(FIXTURES, 'sochi.lexicon.json');

function copydeskBin(): string {
  if (process.env.COPYDESK_BIN) {
    return process.env.COPYDESK_BIN;
  }
  const built = ['release', 'debug'].map((p) => join(ROOT, 'target', p, 'copydesk')).filter((p) => existsSync(p));
  if (built.length === 0) {
    throw new Error('no copydesk binary: run `cargo build` in the repository or set COPYDESK_BIN');
  }
  return built.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
}

const uri = (path: string) => pathToFileURL(path).href;

/** Line and UTF-16 column of the `nth` occurrence of `needle` in `text`. */
function positionOf(text: string, needle: string, nth = 0): { line: number; character: number } {
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    at = text.indexOf(needle, at + 1);
    assert.notEqual(at, -1, `${needle} #${nth} not in the text`);
  }
  const before = text.slice(0, at);
  const line = before.split('\n').length - 1;
  return { line, character: at - (before.lastIndexOf('\n') + 1) };
}

function rangeOf(text: string, needle: string, nth = 0) {
  const start = positionOf(text, needle, nth);
  return { start, end: { line: start.line, character: start.character + needle.length } };
}

/** The range of `word` where `context` (which starts with it) occurs. */
function leading(text: string, context: string, word: string) {
  assert.ok(context.startsWith(word));
  const start = positionOf(text, context);
  return { start, end: { line: start.line, character: start.character + word.length } };
}

// What VS Code 1.82+ tells a server it can do, as far as copydesk cares.
const VSCODE_CAPABILITIES: ClientCapabilities = {
  general: { positionEncodings: ['utf-16'] },
  workspace: {
    configuration: true,
    didChangeConfiguration: { dynamicRegistration: true },
    didChangeWatchedFiles: { dynamicRegistration: true, relativePatternSupport: true },
    workspaceFolders: true,
    executeCommand: { dynamicRegistration: true },
  },
  window: { workDoneProgress: true, showMessage: {} },
  textDocument: {
    synchronization: { dynamicRegistration: true, didSave: true },
    hover: { dynamicRegistration: true, contentFormat: ['markdown', 'plaintext'] },
    definition: { dynamicRegistration: true, linkSupport: true },
    publishDiagnostics: {
      relatedInformation: true,
      versionSupport: false,
      codeDescriptionSupport: true,
      dataSupport: true,
      tagSupport: { valueSet: [1, 2] },
    },
    codeAction: {
      dynamicRegistration: true,
      isPreferredSupport: true,
      resolveSupport: { properties: ['edit'] },
      dataSupport: true,
      codeActionLiteralSupport: {
        codeActionKind: { valueSet: ['', 'quickfix', 'refactor', 'source'] },
      },
    },
  },
};

class Session {
  readonly notifications: Array<{ method: string; params: unknown }> = [];
  private waiters: Array<() => void> = [];
  settings: ServerSettings;
  initialize!: InitializeResult;

  private constructor(
    private readonly child: ChildProcess,
    readonly connection: ProtocolConnection,
    settings: ServerSettings,
  ) {
    this.settings = settings;
  }

  static async start(
    settings: ServerSettings,
    workspace: string,
    // What the client answers for the `copydesk` section; VS Code's: the settings.
    answer: (settings: ServerSettings) => unknown = (s) => s,
  ): Promise<Session> {
    const child = spawn(copydeskBin(), ['serve'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const connection = createProtocolConnection(
      new StreamMessageReader(child.stdout!),
      new StreamMessageWriter(child.stdin!),
    );
    const session = new Session(child, connection, settings);
    connection.onUnhandledNotification((message) => {
      session.notifications.push({ method: message.method, params: message.params });
      session.waiters.splice(0).forEach((wake) => wake());
    });
    connection.onRequest(ConfigurationRequest.type, (params) =>
      params.items.map((item) => (item.section === 'copydesk' ? answer(session.settings) : null)),
    );
    connection.onRequest(RegistrationRequest.type, () => null);
    connection.onRequest(UnregistrationRequest.type, () => null);
    connection.onRequest(WorkDoneProgressCreateRequest.type, () => null);
    connection.listen();
    session.initialize = await connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      clientInfo: { name: 'Visual Studio Code', version: '1.82.0' },
      rootUri: uri(workspace),
      workspaceFolders: [{ uri: uri(workspace), name: 'desk' }],
      capabilities: VSCODE_CAPABILITIES,
      initializationOptions: settings,
    });
    await connection.sendNotification(InitializedNotification.type, {});
    return session;
  }

  /** The first notification `method` (from the `since`th on) that `accept` takes. */
  async waitFor<T>(method: string, accept: (params: T) => boolean, since = 0, timeoutMs = 15000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.notifications.slice(since).find((n) => n.method === method && accept(n.params as T));
      if (found) {
        return found.params as T;
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        const seen = this.notifications.map((n) => `${n.method} ${JSON.stringify(n.params).slice(0, 300)}`);
        throw new Error(`no ${method} within ${timeoutMs} ms; received:\n${seen.join('\n')}`);
      }
      await new Promise<void>((wake) => {
        const timer = setTimeout(wake, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          wake();
        });
      });
    }
  }

  open(path: string, languageId: string, text: string, version = 1): Promise<void> {
    return this.connection.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri: uri(path), languageId, version, text },
    });
  }

  async stop(): Promise<number | null> {
    const exited = new Promise<number | null>((done) => this.child.on('exit', (code) => done(code)));
    await this.connection.sendRequest(ShutdownRequest.type);
    await this.connection.sendNotification(ExitNotification.type);
    const code = await exited;
    this.connection.dispose();
    return code;
  }
}

describe('copydesk serve, driven as VS Code drives it', () => {
  const article = readFileSync(ARTICLE, 'utf8');
  let session: Session;

  before(async () => {
    session = await Session.start({ lexicons: [LEXICON] }, FIXTURES);
  });

  after(async () => {
    assert.equal(await session.stop(), 0, 'the server exits cleanly after shutdown and exit');
  });

  it('offers what the extension uses, in UTF-16 as VS Code counts', () => {
    const caps = session.initialize.capabilities;
    assert.equal(caps.positionEncoding ?? 'utf-16', 'utf-16');
    const sync = caps.textDocumentSync;
    assert.equal(typeof sync === 'object' ? sync.change : sync, 2, 'incremental sync');
    assert.ok(caps.hoverProvider, 'hover');
    assert.ok(caps.definitionProvider, 'definition');
  });

  it('reports the loaded lexicon for the status bar', async () => {
    const status = await session.waitFor<StatusParams>('copydesk/status', () => true);
    assert.equal(status.error, null);
    assert.equal(status.lexicons.length, 1);
    assert.equal(resolve(status.lexicons[0].path), LEXICON);
    assert.equal(status.lexicons[0].entities, 35);
    assert.equal(status.lexicons[0].claims, 34);
    assert.equal(describeStatus(status).text, '$(book) sochi.lexicon.json: 35 entities, 34 claims');
  });

  it('shows a card for a person on hover', async () => {
    await session.open(ARTICLE, 'plaintext', article);
    const hover = await session.connection.sendRequest(HoverRequest.type, {
      textDocument: { uri: uri(ARTICLE) },
      position: positionOf(article, 'Erdemir, director'),
    });
    assert.ok(hover, 'a hover on Erdemir');
    const contents = hover.contents as MarkupContent;
    assert.equal(contents.kind, 'markdown');
    assert.match(contents.value, /Aykan Erdemir/);
    assert.match(contents.value, /director of the Turkey Program at the Foundation for Defense of Democracies/);
    assert.deepEqual(hover.range, rangeOf(article, 'Aykan Erdemir'));
  });

  it('shows what a weapon is on hover', async () => {
    const hover = await session.connection.sendRequest(HoverRequest.type, {
      textDocument: { uri: uri(ARTICLE) },
      position: positionOf(article, 'S-400 missiles, arms experts'),
    });
    assert.ok(hover, 'a hover on S-400');
    assert.match((hover.contents as MarkupContent).value, /Russian surface-to-air missile system/);
    assert.deepEqual(hover.range, leading(article, 'S-400 missiles, arms experts', 'S-400'));
  });

  it('opens the lexicon entry from any mention of a name ("copydesk: Open lexicon entry")', async () => {
    const lexiconText = readFileSync(LEXICON, 'utf8').split('\n');
    const entryStart = lexiconText.findIndex((l) => l.includes('"id": "recep-tayyip-erdogan"'));
    const entryEnd = lexiconText.findIndex((l, i) => i > entryStart && /"id": "/.test(l));
    assert.ok(entryStart > 0 && entryEnd > entryStart);
    const definition = async (at: { uri: string; line: number; character: number }) =>
      toTargets(
        await session.connection.sendRequest(DefinitionRequest.type, {
          textDocument: { uri: at.uri },
          position: { line: at.line, character: at.character },
        }),
      );
    // A later "Erdogan": the server leads to the first mention, then to the entry.
    const later = positionOf(article, 'Erdogan rejected suggestions');
    const entry = await findLexiconEntry({ uri: uri(ARTICLE), ...later }, definition);
    assert.ok(entry, 'an entry for Erdogan');
    assert.equal(entry.uri, uri(LEXICON));
    assert.ok(
      entry.range.start.line >= entryStart && entry.range.start.line < entryEnd,
      `entry at line ${entry.range.start.line}, expected within ${entryStart}..${entryEnd}`,
    );
  });
});

describe('diagnostics, as VS Code shows them', () => {
  const draft = [
    '“We buy our own weapons,” Putin said.',
    '',
    'Erdoğan met Putin in Sochi on Wednesday.',
    '',
  ].join('\n');
  const draftPath = join(FIXTURES, 'draft-for-vscode.md');
  let session: Session;

  before(async () => {
    session = await Session.start({ lexicons: [LEXICON], diagnostics: { delayMs: 0 } }, FIXTURES);
  });

  after(async () => {
    await session.stop();
  });

  let shown: PublishDiagnosticsParams | undefined;
  const published = (version: number) => (p: PublishDiagnosticsParams) =>
    p.uri === uri(draftPath) && (p.version === undefined || p.version === version);

  it('marks a quote put in the wrong mouth and a name spelled against the desk', async () => {
    const since = session.notifications.length;
    await session.open(draftPath, 'markdown', draft, 3);
    // The server may publish before its lexicon has loaded (nothing to
    // compare quotes with yet) and again after: what the reporter ends up
    // seeing is the publish that has the lexicon's findings.
    const params = await session.waitFor<PublishDiagnosticsParams>(
      PublishDiagnosticsNotification.method,
      (p) => published(3)(p) && p.diagnostics.some((d) => d.code === 'misattributed-quote'),
      since,
    );
    shown = params;
    const byCode = new Map(params.diagnostics.map((d: Diagnostic) => [d.code, d]));
    const misattributed = byCode.get('misattributed-quote');
    assert.ok(misattributed, JSON.stringify(params.diagnostics));
    assert.equal(misattributed.severity, 1);
    assert.equal(misattributed.source, 'copydesk');
    assert.equal(misattributed.range.start.line, 0);
    assert.match(misattributed.message, /Erdogan/);
    const variant = byCode.get('name-variant');
    assert.ok(variant, JSON.stringify(params.diagnostics));
    assert.equal(variant.severity, 2);
    assert.deepEqual(variant.range, rangeOf(draft, 'Erdoğan'));

    const actions = await session.connection.sendRequest(CodeActionRequest.type, {
      textDocument: { uri: uri(draftPath) },
      range: variant.range,
      context: { diagnostics: [variant], only: ['quickfix'] },
    });
    // The fix for this diagnostic (first-reference offers another on the same word).
    const fix = (actions ?? []).find(
      (a) => 'edit' in a && a.isPreferred && (a.diagnostics ?? []).some((d) => d.code === 'name-variant'),
    );
    assert.ok(fix && 'edit' in fix && fix.edit?.changes, JSON.stringify(actions));
    assert.deepEqual(fix.edit.changes[uri(draftPath)], [
      { range: rangeOf(draft, 'Erdoğan'), newText: 'Erdogan' } satisfies TextEdit,
    ]);
  });

  it('follows a rule switched off in the settings without a restart', async () => {
    const before = shown;
    assert.ok(before, 'the previous test saw the diagnostics');
    const since = session.notifications.length;
    session.settings = { ...session.settings, rules: { 'name-variant': 'off' } };
    await session.connection.sendNotification(DidChangeConfigurationNotification.type, {
      settings: { copydesk: session.settings },
    });
    const after = await session.waitFor<PublishDiagnosticsParams>(
      PublishDiagnosticsNotification.method,
      (p) => published(3)(p) && !p.diagnostics.some((d) => d.code === 'name-variant'),
      since,
    );
    assert.deepEqual(
      after.diagnostics,
      before.diagnostics.filter((d) => d.code !== 'name-variant'),
    );
  });
});

describe('settings from clients that answer workspace/configuration differently', () => {
  // Helix sends its `config` table as initializationOptions and answers the
  // `copydesk` section with `config.copydesk`, which docs/editors.md leaves
  // unset: null. The initialization options must still apply.
  it('applies initializationOptions when the copydesk section is null', async () => {
    // An empty workspace: only the initialization options can name a lexicon.
    const empty = mkdtempSync(join(tmpdir(), 'copydesk-helix-'));
    const session = await Session.start({ lexicons: [LEXICON] }, empty, () => null);
    try {
      const status = await session.waitFor<StatusParams>('copydesk/status', () => true);
      assert.equal(status.error, null);
      assert.deepEqual(
        status.lexicons.map((l) => [resolve(l.path), l.entities, l.claims]),
        [[LEXICON, 35, 34]],
      );
    } finally {
      await session.stop();
    }
  });
});

describe('"copydesk: Build lexicon from this article"', () => {
  it('builds a lexicon from the open article through workspace/executeCommand', async () => {
    const desk = mkdtempSync(join(tmpdir(), 'copydesk-build-'));
    const article = join(desk, 'sochi-putin-erdogan.txt');
    copyFileSync(ARTICLE, article);
    const session = await Session.start({}, desk);
    try {
      const commands = session.initialize.capabilities.executeCommandProvider?.commands ?? [];
      assert.ok(commands.includes('copydesk.buildLexicon'), JSON.stringify(commands));
      await session.open(article, 'plaintext', readFileSync(article, 'utf8'));
      const since = session.notifications.length;
      const result = await session.connection.sendRequest(ExecuteCommandRequest.type, {
        command: 'copydesk.buildLexicon',
        arguments: [uri(article)],
      });
      const written = readdirSync(desk).filter((f) => f.endsWith('.lexicon.json'));
      assert.equal(written.length, 1, `lexicons in the folder: ${written}`);
      const lexicon = JSON.parse(readFileSync(join(desk, written[0]), 'utf8'));
      assert.equal(lexicon.copydesk_lexicon, 1);
      assert.ok(
        lexicon.entities.some((e: { name: string }) => e.name === 'Aykan Erdemir'),
        'Aykan Erdemir is in the built lexicon',
      );
      // What the extension tells the reporter about it.
      const report = describeBuildResult(result);
      assert.match(report.message, /^copydesk: lexicon (written to .*sochi.*\.lexicon\.json|built)/);
      // The server loads what it wrote, and the status bar says so.
      const status = await session.waitFor<StatusParams>(
        'copydesk/status',
        (s) => s.lexicons.some((l) => l.path.endsWith(written[0])),
        since,
      );
      assert.equal(status.error, null);
    } finally {
      await session.stop();
    }
  });
});
