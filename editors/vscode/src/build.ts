// What "copydesk: Build lexicon from this article" tells the reporter, from
// the server's answer to workspace/executeCommand `copydesk.buildLexicon`:
// `{ "path": "<the lexicon written>", "entities": N, "claims": N }`.

export interface BuildReport {
  message: string;
  /** The lexicon written, as a path or URI, when the server said. */
  path?: string;
}

function count(n: unknown, one: string, many: string): string | undefined {
  return typeof n === 'number' && Number.isFinite(n) ? `${n} ${n === 1 ? one : many}` : undefined;
}

export function describeBuildResult(result: unknown): BuildReport {
  if (result && typeof result === 'object') {
    const r = result as Record<string, unknown>;
    const where = typeof r.path === 'string' ? r.path : typeof r.uri === 'string' ? r.uri : undefined;
    const counts = [count(r.entities, 'entity', 'entities'), count(r.claims, 'claim', 'claims')].filter(
      (c): c is string => c !== undefined,
    );
    const what = counts.length ? ` (${counts.join(', ')})` : '';
    if (where) {
      return { message: `copydesk: lexicon written to ${where}${what}.`, path: where };
    }
    return { message: `copydesk: lexicon built${what}.` };
  }
  return { message: 'copydesk: lexicon built.' };
}
