// The copydesk extension: starts `copydesk serve` for Markdown and plain-text
// documents, keeps its settings in step with VS Code's, and adds the commands
// and the status bar item that the protocol alone does not give.

import * as vscode from 'vscode';
import {
  DefinitionRequest,
  DidChangeConfigurationNotification,
  ErrorCodes,
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  RevealOutputChannelOn,
  ResponseError,
  ServerOptions,
  State,
} from 'vscode-languageclient/node';

import { describeBuildResult } from './build';
import { findLexiconEntry, toTargets } from './lexiconEntry';
import { findServer } from './server';
import { changesServerSettings, configurationAnswers, needsRestart, serverSettings } from './settings';
import { StatusItem, StatusParams } from './status';

const PROSE_LANGUAGES = ['markdown', 'plaintext'];
/** The server's own command, run through workspace/executeCommand. */
const SERVER_BUILD_COMMAND = 'copydesk.buildLexicon';

let client: LanguageClient | undefined;
let output: vscode.OutputChannel;
let status: StatusItem;
/** Starts and stops run one at a time, in the order they were asked for. */
let lifecycle: Promise<void> = Promise.resolve();

export function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel('copydesk');
  status = new StatusItem('copydesk.showOutput');
  context.subscriptions.push(
    output,
    status,
    vscode.commands.registerCommand('copydesk.showOutput', () => output.show(true)),
    vscode.commands.registerCommand('copydesk.restartServer', () => restart(context)),
    vscode.commands.registerCommand('copydesk.buildLexiconFromArticle', buildLexicon),
    vscode.commands.registerCommand('copydesk.openLexiconEntry', openLexiconEntry),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (needsRestart(event)) {
        void restart(context);
      } else if (changesServerSettings(event)) {
        pushSettings();
      }
    }),
  );
  return queue(() => start(context));
}

export function deactivate(): Promise<void> {
  return queue(stop);
}

function queue(step: () => Promise<void>): Promise<void> {
  lifecycle = lifecycle.then(step, step);
  return lifecycle;
}

function restart(context: vscode.ExtensionContext): Promise<void> {
  return queue(async () => {
    await stop();
    await start(context);
  });
}

function firstFolder(): vscode.Uri | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri;
}

async function start(context: vscode.ExtensionContext): Promise<void> {
  status.starting();
  const server = findServer(context.extensionPath);
  if (server.kind === 'missing') {
    output.appendLine(server.message);
    status.stopped(server.message);
    void vscode.window.showErrorMessage(server.message, 'Open Settings').then((choice) => {
      if (choice) {
        void vscode.commands.executeCommand('workbench.action.openSettings', 'copydesk.server.path');
      }
    });
    return;
  }
  output.appendLine(`Starting ${server.command} serve (${server.source} program).`);

  const executable = { command: server.command, args: ['serve'] };
  const serverOptions: ServerOptions = { run: executable, debug: executable };
  const documentSelector = PROSE_LANGUAGES.flatMap((language) => [
    { scheme: 'file', language },
    { scheme: 'untitled', language },
  ]);
  const clientOptions: LanguageClientOptions = {
    documentSelector,
    outputChannel: output,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    initializationOptions: serverSettings(firstFolder()),
    middleware: {
      workspace: {
        // VS Code's own answer would be the raw `copydesk.*` settings; the
        // server reads the settings object instead.
        configuration: async (params, token, next) => {
          const answers = await next(params, token);
          if (!Array.isArray(answers)) {
            return answers;
          }
          return configurationAnswers(params.items, answers, (scopeUri) =>
            serverSettings(scopeUri ? vscode.Uri.parse(scopeUri) : firstFolder()),
          );
        },
      },
    },
  };

  const next = new LanguageClient('copydesk', 'copydesk', serverOptions, clientOptions);
  next.onNotification('copydesk/status', (params: StatusParams) => status.update(params));
  next.onDidChangeState((event) => {
    if (event.newState === State.Stopped && client === next) {
      status.stopped('The copydesk server has stopped. "copydesk: Restart server" starts it again.');
    }
  });
  client = next;
  try {
    await next.start();
  } catch (error) {
    const message = `copydesk: the server ${server.command} could not start: ${String(error)}`;
    output.appendLine(message);
    status.stopped(message);
    void vscode.window.showErrorMessage(message, 'Show Output').then((choice) => {
      if (choice) {
        output.show(true);
      }
    });
  }
}

async function stop(): Promise<void> {
  const running = client;
  client = undefined;
  if (running) {
    try {
      await running.dispose(2000);
    } catch (error) {
      output.appendLine(`copydesk: stopping the server: ${String(error)}`);
    }
  }
}

function pushSettings(): void {
  if (client?.isRunning()) {
    void client.sendNotification(DidChangeConfigurationNotification.type, {
      settings: { copydesk: serverSettings(firstFolder()) },
    });
  }
}

function proseEditor(action: string): vscode.TextEditor | undefined {
  const editor = vscode.window.activeTextEditor;
  if (!editor || !PROSE_LANGUAGES.includes(editor.document.languageId)) {
    void vscode.window.showWarningMessage(`copydesk: open a Markdown or plain-text article to ${action}.`);
    return undefined;
  }
  if (!client?.isRunning()) {
    void vscode.window.showErrorMessage('copydesk: the server is not running. "copydesk: Show output" says why.');
    return undefined;
  }
  return editor;
}

async function buildLexicon(): Promise<void> {
  const editor = proseEditor('build a lexicon from it');
  if (!editor || !client) {
    return;
  }
  const document = editor.document;
  if (document.isUntitled) {
    void vscode.window.showWarningMessage(
      'copydesk: save the article first: the lexicon points into it by file name and offset.',
    );
    return;
  }
  // The lexicon's offsets and checksum describe the file on disk.
  if (document.isDirty && !(await document.save())) {
    return;
  }
  try {
    const result = await client.sendRequest(ExecuteCommandRequest.type, {
      command: SERVER_BUILD_COMMAND,
      arguments: [client.code2ProtocolConverter.asUri(document.uri)],
    });
    const report = describeBuildResult(result);
    output.appendLine(report.message);
    // The server announces the result itself (window/showMessage); what the
    // reporter does next is review the lexicon, so open it beside the article.
    if (report.path) {
      const uri = /^[a-z][a-z0-9+.-]*:/i.test(report.path) && !/^[a-z]:[\\/]/i.test(report.path)
        ? vscode.Uri.parse(report.path)
        : vscode.Uri.file(report.path);
      await vscode.window.showTextDocument(uri, { viewColumn: vscode.ViewColumn.Beside, preview: true });
    }
  } catch (error) {
    // An internal error comes after the server's own message saying why.
    if (error instanceof ResponseError && error.code === ErrorCodes.InternalError) {
      output.appendLine(`copydesk: building the lexicon failed: ${error.message}`);
    } else {
      void vscode.window.showErrorMessage(`copydesk: building the lexicon failed: ${errorText(error)}`);
    }
  }
}

async function openLexiconEntry(): Promise<void> {
  const editor = proseEditor('open the lexicon entry of a name in it');
  if (!editor || !client) {
    return;
  }
  const running = client;
  const cursor = editor.selection.active;
  try {
    const entry = await findLexiconEntry(
      { uri: running.code2ProtocolConverter.asUri(editor.document.uri), line: cursor.line, character: cursor.character },
      async (at) =>
        toTargets(
          await running.sendRequest(DefinitionRequest.type, {
            textDocument: { uri: at.uri },
            position: { line: at.line, character: at.character },
          }),
        ),
    );
    if (!entry) {
      void vscode.window.showInformationMessage('copydesk: the lexicons have no entry for the word under the cursor.');
      return;
    }
    const { start, end } = entry.range;
    await vscode.window.showTextDocument(vscode.Uri.parse(entry.uri), {
      selection: new vscode.Range(start.line, start.character, end.line, end.character),
    });
  } catch (error) {
    void vscode.window.showErrorMessage(`copydesk: ${errorText(error)}`);
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
