import * as vscode from './stub/install';
import { strict as assert } from 'assert';
import { readFileSync } from 'fs';
import { join } from 'path';
import { beforeEach, describe, it } from 'node:test';

import {
  RULE_CODES,
  SEVERITIES,
  changesServerSettings,
  configurationAnswers,
  needsRestart,
  serverSettings,
} from '../src/settings';

const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'));
const contributed: Record<string, { default: unknown; enum?: string[] }> = manifest.contributes.configuration.properties;

function event(...sections: string[]) {
  return {
    affectsConfiguration: (s: string) => sections.some((changed) => changed === s || changed.startsWith(s + '.')),
  };
}

describe('the settings object sent to the server', () => {
  beforeEach(() => vscode.state.reset());

  it('is empty when nothing is set, so copydesk.toml decides', () => {
    // The values VS Code reports for untouched settings: the contributed defaults.
    for (const [key, spec] of Object.entries(contributed)) {
      vscode.state.settings[key] = spec.default;
    }
    assert.deepEqual(serverSettings(), {});
  });

  it('carries lexicons, trimmed, without blank entries', () => {
    vscode.state.settings['copydesk.lexicons'] = [' desk/world.lexicon.json ', '', '   ', '/abs/x.lexicon.json', 7];
    assert.deepEqual(serverSettings(), { lexicons: ['desk/world.lexicon.json', '/abs/x.lexicon.json'] });
    vscode.state.settings['copydesk.lexicons'] = ['  '];
    assert.deepEqual(serverSettings(), {});
  });

  it('carries only the rules set to a severity, leaving "default" to the desk', () => {
    for (const code of RULE_CODES) {
      vscode.state.settings[`copydesk.rules.${code}`] = 'default';
    }
    vscode.state.settings['copydesk.rules.vague-attribution'] = 'off';
    vscode.state.settings['copydesk.rules.name-variant'] = 'error';
    vscode.state.settings['copydesk.rules.first-reference'] = 'loud';
    assert.deepEqual(serverSettings(), { rules: { 'vague-attribution': 'off', 'name-variant': 'error' } });
  });

  it('carries the delay as whole milliseconds in diagnostics.delayMs', () => {
    vscode.state.settings['copydesk.diagnostics.delayMs'] = null;
    assert.deepEqual(serverSettings(), {});
    vscode.state.settings['copydesk.diagnostics.delayMs'] = 0;
    assert.deepEqual(serverSettings(), { diagnostics: { delayMs: 0 } });
    vscode.state.settings['copydesk.diagnostics.delayMs'] = 120.7;
    assert.deepEqual(serverSettings(), { diagnostics: { delayMs: 120 } });
    vscode.state.settings['copydesk.diagnostics.delayMs'] = -5;
    assert.deepEqual(serverSettings(), {});
  });

  it('reads the settings of the scope the server asks about', () => {
    const folder = vscode.Uri.file('/work/desk');
    vscode.state.settings['copydesk.lexicons'] = ['global.lexicon.json'];
    vscode.state.scopedSettings[folder.toString()] = { 'copydesk.lexicons': ['desk.lexicon.json'] };
    assert.deepEqual(serverSettings(folder as never), { lexicons: ['desk.lexicon.json'] });
    assert.deepEqual(serverSettings(), { lexicons: ['global.lexicon.json'] });
    assert.deepEqual(vscode.state.configurationRequests, [
      { section: 'copydesk', scope: folder.toString() },
      { section: 'copydesk', scope: undefined },
    ]);
  });

  it('answers workspace/configuration for the copydesk section only', () => {
    const answers = configurationAnswers(
      [{ section: 'editor' }, { section: 'copydesk', scopeUri: 'file:///work/desk' }, { section: 'copydesk' }],
      [{ tabSize: 2 }, { raw: true }, { raw: true }],
      (scope) => (scope ? { lexicons: [scope] } : {}),
    );
    assert.deepEqual(answers, [{ tabSize: 2 }, { lexicons: ['file:///work/desk'] }, {}]);
  });

  it('restarts the server for a new program, and updates it for anything else', () => {
    assert.equal(needsRestart(event('copydesk.server.path')), true);
    assert.equal(needsRestart(event('copydesk.rules.name-variant')), false);
    assert.equal(changesServerSettings(event('copydesk.rules.name-variant')), true);
    assert.equal(changesServerSettings(event('copydesk.lexicons')), true);
    assert.equal(changesServerSettings(event('copydesk.diagnostics.delayMs')), true);
    // The client itself follows copydesk.trace.server.
    assert.equal(changesServerSettings(event('copydesk.trace.server')), false);
    assert.equal(changesServerSettings(event('editor.fontSize')), false);
  });
});

describe('the contributed settings', () => {
  it('offer every rule code, with the severities the server reads and "default"', () => {
    const ruleKeys = Object.keys(contributed).filter((k) => k.startsWith('copydesk.rules.'));
    assert.deepEqual(ruleKeys.sort(), RULE_CODES.map((c) => `copydesk.rules.${c}`).sort());
    for (const key of ruleKeys) {
      assert.deepEqual(contributed[key].enum, ['default', ...SEVERITIES], key);
      assert.equal(contributed[key].default, 'default', key);
    }
  });

  it('are exactly the ones the extension reads', () => {
    assert.deepEqual(Object.keys(contributed).sort(), [
      'copydesk.diagnostics.delayMs',
      'copydesk.lexicons',
      ...RULE_CODES.map((c) => `copydesk.rules.${c}`).sort(),
      'copydesk.server.path',
      'copydesk.trace.server',
    ]);
  });
});
