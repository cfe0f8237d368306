// The copydesk settings object the server reads, built from VS Code's
// `copydesk.*` settings. The server gets it as `initializationOptions` and as
// the answer to `workspace/configuration` for the section `copydesk`.
//
// A key is left out when the user has not set it, so that the desk's
// `copydesk.toml` (which the settings override) still applies: `lexicons: []`
// or a rule at "default" would otherwise silence the desk's own choices.

import * as vscode from 'vscode';

export const RULE_CODES = [
  'quote-without-speaker',
  'misattributed-quote',
  'altered-quote',
  'unattributed-claim',
  'vague-attribution',
  'unsourced-figure',
  'name-variant',
  'first-reference',
] as const;

export type RuleCode = (typeof RULE_CODES)[number];

export const SEVERITIES = ['error', 'warning', 'information', 'hint', 'off'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface ServerSettings {
  lexicons?: string[];
  rules?: Partial<Record<RuleCode, Severity>>;
  diagnostics?: { delayMs: number };
}

/** The settings object for the resource `scope` (a folder or file), or for
 * the workspace as a whole. */
export function serverSettings(scope?: vscode.Uri): ServerSettings {
  const config = vscode.workspace.getConfiguration('copydesk', scope);
  const settings: ServerSettings = {};

  const lexicons = config.get<unknown>('lexicons');
  if (Array.isArray(lexicons)) {
    const paths = lexicons
      .filter((p): p is string => typeof p === 'string')
      .map((p) => p.trim())
      .filter((p) => p.length > 0);
    if (paths.length > 0) {
      settings.lexicons = paths;
    }
  }

  const rules: Partial<Record<RuleCode, Severity>> = {};
  for (const code of RULE_CODES) {
    const value = config.get<unknown>(`rules.${code}`);
    if (typeof value === 'string' && (SEVERITIES as readonly string[]).includes(value)) {
      rules[code] = value as Severity;
    }
  }
  if (Object.keys(rules).length > 0) {
    settings.rules = rules;
  }

  const delay = config.get<unknown>('diagnostics.delayMs');
  if (typeof delay === 'number' && Number.isFinite(delay) && delay >= 0) {
    settings.diagnostics = { delayMs: Math.floor(delay) };
  }

  return settings;
}

/** Whether a configuration change needs a new server process rather than a
 * settings update sent to the running one. */
export function needsRestart(event: vscode.ConfigurationChangeEvent): boolean {
  return event.affectsConfiguration('copydesk.server.path');
}

/** Whether a configuration change alters what `serverSettings` returns. */
export function changesServerSettings(event: vscode.ConfigurationChangeEvent): boolean {
  return (
    event.affectsConfiguration('copydesk.lexicons') ||
    event.affectsConfiguration('copydesk.rules') ||
    event.affectsConfiguration('copydesk.diagnostics')
  );
}

/** The answer to a `workspace/configuration` request: the settings object for
 * every item asking for the `copydesk` section, VS Code's own answer for the
 * others. */
export function configurationAnswers(
  items: ReadonlyArray<{ section?: string; scopeUri?: string }>,
  answers: readonly unknown[],
  settingsFor: (scopeUri: string | undefined) => ServerSettings,
): unknown[] {
  return items.map((item, i) => (item.section === 'copydesk' ? settingsFor(item.scopeUri) : answers[i]));
}
