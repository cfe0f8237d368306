// A stand-in for the `vscode` module, for testing the extension's own logic
// outside VS Code. It implements only what the tested modules call, and
// records what they did so that tests can check it.

import * as path from 'path';

export class Uri {
  private constructor(
    readonly scheme: string,
    readonly fsPath: string,
    private readonly text: string,
  ) {}

  static file(p: string): Uri {
    return new Uri('file', p, 'file://' + p.split(path.sep).map(encodeURIComponent).join('/'));
  }

  static parse(text: string): Uri {
    const scheme = text.slice(0, text.indexOf(':'));
    const fsPath = scheme === 'file' ? decodeURIComponent(text.replace(/^file:\/\//, '')) : '';
    return new Uri(scheme, fsPath, text);
  }

  toString(): string {
    return this.text;
  }
}

export class ThemeColor {
  constructor(readonly id: string) {}
}

export enum StatusBarAlignment {
  Left = 1,
  Right = 2,
}

/** Settings as VS Code would resolve them: key (without `copydesk.`) to
 * value, per scope (a folder URI string) or for the whole workspace. */
export const state = {
  settings: {} as Record<string, unknown>,
  scopedSettings: {} as Record<string, Record<string, unknown>>,
  configurationRequests: [] as Array<{ section: string; scope: string | undefined }>,
  workspaceFolders: undefined as Array<{ uri: Uri; name: string; index: number }> | undefined,
  statusItems: [] as StatusBarItem[],
  reset(): void {
    this.settings = {};
    this.scopedSettings = {};
    this.configurationRequests = [];
    this.workspaceFolders = undefined;
    this.statusItems = [];
  },
};

export const workspace = {
  getConfiguration(section: string, scope?: Uri) {
    state.configurationRequests.push({ section, scope: scope?.toString() });
    const values = { ...state.settings, ...(scope ? state.scopedSettings[scope.toString()] ?? {} : {}) };
    return {
      get<T>(key: string, fallback?: T): T | undefined {
        const full = `${section}.${key}`;
        return full in values ? (values[full] as T) : fallback;
      },
    };
  },
  get workspaceFolders() {
    return state.workspaceFolders;
  },
};

export class StatusBarItem {
  text = '';
  tooltip: string | undefined;
  name: string | undefined;
  command: string | undefined;
  backgroundColor: ThemeColor | undefined;
  visible = false;
  disposed = false;

  constructor(
    readonly id: string,
    readonly alignment: StatusBarAlignment,
    readonly priority: number,
  ) {}

  show(): void {
    this.visible = true;
  }

  dispose(): void {
    this.disposed = true;
  }
}

export const window = {
  createStatusBarItem(id: string, alignment: StatusBarAlignment, priority: number): StatusBarItem {
    const item = new StatusBarItem(id, alignment, priority);
    state.statusItems.push(item);
    return item;
  },
};
