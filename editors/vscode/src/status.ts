// The status bar item: which lexicons the server loaded, or why it could not.
// Fed by the server's `copydesk/status` notification, sent after every
// (re)load of the lexicons.

import * as path from 'path';
import * as vscode from 'vscode';

export interface LexiconStatus {
  path: string;
  entities: number;
  claims: number;
}

export interface StatusParams {
  lexicons: LexiconStatus[];
  error: string | null;
}

export interface StatusView {
  text: string;
  tooltip: string;
  error: boolean;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** What the item shows for a status notification. */
export function describeStatus(params: StatusParams): StatusView {
  const lexicons = Array.isArray(params.lexicons) ? params.lexicons : [];
  const entities = lexicons.reduce((n, l) => n + (l.entities ?? 0), 0);
  const claims = lexicons.reduce((n, l) => n + (l.claims ?? 0), 0);
  const lines = lexicons.map(
    (l) => `${l.path}: ${plural(l.entities, 'entity', 'entities')}, ${plural(l.claims, 'claim', 'claims')}`,
  );
  if (params.error) {
    return {
      text: '$(error) copydesk: lexicon error',
      tooltip: [params.error, ...(lines.length ? ['', 'Still in use:', ...lines] : [])].join('\n'),
      error: true,
    };
  }
  if (lexicons.length === 0) {
    return {
      text: '$(book) copydesk: no lexicon',
      tooltip:
        'No lexicon loaded: set copydesk.lexicons, list lexicons in copydesk.toml, ' +
        'or add a *.lexicon.json to the workspace.',
      error: false,
    };
  }
  const name = lexicons.length === 1 ? path.basename(lexicons[0].path) : plural(lexicons.length, 'lexicon', 'lexicons');
  return {
    text: `$(book) ${name}: ${plural(entities, 'entity', 'entities')}, ${plural(claims, 'claim', 'claims')}`,
    tooltip: lines.join('\n'),
    error: false,
  };
}

export class StatusItem implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;

  constructor(showOutputCommand: string) {
    this.item = vscode.window.createStatusBarItem('copydesk.status', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'copydesk';
    this.item.command = showOutputCommand;
    this.starting();
    this.item.show();
  }

  starting(): void {
    this.set({ text: '$(sync~spin) copydesk', tooltip: 'Starting the copydesk server…', error: false });
  }

  stopped(reason: string): void {
    this.set({ text: '$(error) copydesk: stopped', tooltip: reason, error: true });
  }

  update(params: StatusParams): void {
    this.set(describeStatus(params));
  }

  get text(): string {
    return this.item.text;
  }

  get tooltip(): string {
    return typeof this.item.tooltip === 'string' ? this.item.tooltip : '';
  }

  private set(view: StatusView): void {
    this.item.text = view.text;
    this.item.tooltip = view.tooltip;
    this.item.backgroundColor = view.error ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  }

  dispose(): void {
    this.item.dispose();
  }
}
