import * as vscode from './stub/install';
import { strict as assert } from 'assert';
import { chmodSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { afterEach, beforeEach, describe, it } from 'node:test';

import { bundledPath, findServer } from '../src/server';

function program(path: string, mode: number): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, '#!/bin/sh\n');
  chmodSync(path, mode);
  return path;
}

describe('finding the copydesk program', () => {
  let dir: string;
  let extension: string;
  const savedPath = process.env.PATH;
  const savedHome = process.env.HOME;

  beforeEach(() => {
    vscode.state.reset();
    dir = mkdtempSync(join(tmpdir(), 'copydesk-server-'));
    extension = join(dir, 'extension');
    mkdirSync(extension);
    process.env.PATH = join(dir, 'empty-path');
  });

  afterEach(() => {
    process.env.PATH = savedPath;
    process.env.HOME = savedHome;
  });

  it('bundles one program per platform and architecture', () => {
    assert.equal(bundledPath('/ext', 'linux', 'x64'), '/ext/bin/linux-x64/copydesk');
    assert.equal(bundledPath('/ext', 'darwin', 'arm64'), '/ext/bin/darwin-arm64/copydesk');
    assert.match(bundledPath('/ext', 'win32', 'x64'), /bin[\\/]win32-x64[\\/]copydesk\.exe$/);
  });

  it('runs the bundled program, giving it back its execute bit', () => {
    const bundled = program(bundledPath(extension), 0o644);
    assert.deepEqual(findServer(extension), { kind: 'found', command: bundled, source: 'bundled' });
    assert.equal(statSync(bundled).mode & 0o111, 0o111);
  });

  it('prefers the program the copydesk.server.path setting names', () => {
    program(bundledPath(extension), 0o755);
    const own = program(join(dir, 'build', 'copydesk'), 0o755);
    vscode.state.settings['copydesk.server.path'] = own;
    assert.deepEqual(findServer(extension), { kind: 'found', command: own, source: 'setting' });
  });

  it('reads a relative setting from the first workspace folder, and ~ as home', () => {
    const own = program(join(dir, 'desk', 'target', 'release', 'copydesk'), 0o755);
    vscode.state.workspaceFolders = [{ uri: vscode.Uri.file(join(dir, 'desk')), name: 'desk', index: 0 }];
    vscode.state.settings['copydesk.server.path'] = 'target/release/copydesk';
    assert.deepEqual(findServer(extension), { kind: 'found', command: own, source: 'setting' });

    process.env.HOME = join(dir, 'desk');
    vscode.state.workspaceFolders = undefined;
    vscode.state.settings['copydesk.server.path'] = '~/target/release/copydesk';
    assert.deepEqual(findServer(extension), { kind: 'found', command: own, source: 'setting' });
  });

  it('says so when the setting names nothing usable, rather than running another program', () => {
    program(bundledPath(extension), 0o755);
    vscode.state.settings['copydesk.server.path'] = join(dir, 'nowhere', 'copydesk');
    assert.deepEqual(findServer(extension), {
      kind: 'missing',
      message: `copydesk: the copydesk.server.path setting names ${join(dir, 'nowhere', 'copydesk')}, which does not exist.`,
    });
    const plain = program(join(dir, 'plain', 'copydesk'), 0o644);
    vscode.state.settings['copydesk.server.path'] = plain;
    assert.deepEqual(findServer(extension), {
      kind: 'missing',
      message: `copydesk: the copydesk.server.path setting names ${plain}, which is not executable.`,
    });
  });

  it('falls back to copydesk on PATH, skipping files that are not executable', () => {
    program(join(dir, 'first', 'copydesk'), 0o644);
    const onPath = program(join(dir, 'second', 'copydesk'), 0o755);
    process.env.PATH = [join(dir, 'first'), join(dir, 'second')].join(':');
    assert.deepEqual(findServer(extension), { kind: 'found', command: onPath, source: 'path' });
  });

  it('explains where it looked when there is no program at all', () => {
    const result = findServer(extension);
    assert.equal(result.kind, 'missing');
    assert.equal(
      result.kind === 'missing' && result.message,
      `copydesk: no copydesk program found. This extension bundles none for ${process.platform}-${process.arch}, ` +
        'and there is no copydesk on PATH. Install copydesk (cargo install --path . in its repository) ' +
        'or set copydesk.server.path.',
    );
  });
});
