// Which `copydesk` program the extension starts.
//
// In order: the `copydesk.server.path` setting when the user has set one (a
// setting that the bundled program silently overrode would be useless for
// trying a newer server), the program bundled in `bin/<platform>-<arch>/`,
// then `copydesk` on PATH.

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';

export type ServerSource = 'setting' | 'bundled' | 'path';

export interface FoundServer {
  kind: 'found';
  command: string;
  source: ServerSource;
}

export interface MissingServer {
  kind: 'missing';
  /** A sentence for the notification: what was looked for, and where. */
  message: string;
}

export function executableName(platform: NodeJS.Platform = process.platform): string {
  return platform === 'win32' ? 'copydesk.exe' : 'copydesk';
}

/** Where a platform's program sits inside the extension. */
export function bundledPath(
  extensionPath: string,
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
): string {
  return path.join(extensionPath, 'bin', `${platform}-${arch}`, executableName(platform));
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function isExecutable(p: string): boolean {
  if (!isFile(p)) {
    return false;
  }
  if (process.platform === 'win32') {
    return true;
  }
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Unpacking a .vsix does not keep file modes everywhere: give the bundled
 * program its execute bit back. */
export function restoreExecuteBit(p: string): void {
  if (process.platform === 'win32' || isExecutable(p)) {
    return;
  }
  const mode = fs.statSync(p).mode;
  fs.chmodSync(p, mode | 0o755);
}

/** Searches PATH as a shell would, with PATHEXT on Windows. */
export function onPath(
  name: string,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  const dirs = (env.PATH ?? env.Path ?? '').split(path.delimiter).filter((d) => d.length > 0);
  const exts =
    platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';').filter((e) => e) : [''];
  for (const dir of dirs) {
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      if (isExecutable(candidate)) {
        return candidate;
      }
    }
  }
  return undefined;
}

/** Expands `~/` and makes a relative setting relative to the first workspace
 * folder, where a desk's repository keeps its own build. */
export function expandSettingPath(setting: string): string {
  let p = setting.trim();
  if (p === '~' || p.startsWith('~/') || p.startsWith('~\\')) {
    p = path.join(os.homedir(), p.slice(1));
  }
  if (!path.isAbsolute(p)) {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (folder && folder.uri.scheme === 'file') {
      p = path.join(folder.uri.fsPath, p);
    }
  }
  return p;
}

export function findServer(extensionPath: string): FoundServer | MissingServer {
  const setting = vscode.workspace.getConfiguration('copydesk').get<string>('server.path', '');
  if (typeof setting === 'string' && setting.trim() !== '') {
    const p = expandSettingPath(setting);
    if (isExecutable(p)) {
      return { kind: 'found', command: p, source: 'setting' };
    }
    return {
      kind: 'missing',
      message: isFile(p)
        ? `copydesk: the copydesk.server.path setting names ${p}, which is not executable.`
        : `copydesk: the copydesk.server.path setting names ${p}, which does not exist.`,
    };
  }

  const bundled = bundledPath(extensionPath);
  if (isFile(bundled)) {
    restoreExecuteBit(bundled);
    return { kind: 'found', command: bundled, source: 'bundled' };
  }

  const found = onPath(executableName());
  if (found) {
    return { kind: 'found', command: found, source: 'path' };
  }

  return {
    kind: 'missing',
    message:
      `copydesk: no copydesk program found. This extension bundles none for ` +
      `${process.platform}-${process.arch}, and there is no ${executableName()} on PATH. ` +
      `Install copydesk (cargo install --path . in its repository) or set copydesk.server.path.`,
  };
}
