// "copydesk: Open lexicon entry": from the name under the cursor to its entry
// in the lexicon file, through the server's textDocument/definition. The
// server answers a later mention with the name's first mention in the draft,
// and the first mention with the lexicon entry (and, when the source article
// is in the workspace, the evidence in it), so at most two hops are needed.

export interface Place {
  uri: string;
  line: number;
  character: number;
}

export interface Target {
  uri: string;
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
}

export type Definition = (at: Place) => Promise<Target[]>;

export function isLexiconUri(uri: string): boolean {
  return /\.lexicon\.json$/i.test(uri.split(/[?#]/)[0]);
}

function contains(range: Target['range'], at: Place): boolean {
  const { start, end } = range;
  const afterStart = start.line < at.line || (start.line === at.line && start.character <= at.character);
  const beforeEnd = end.line > at.line || (end.line === at.line && end.character >= at.character);
  return afterStart && beforeEnd;
}

/** The lexicon entry for the name at `start`, or undefined when the server
 * knows none there. */
export async function findLexiconEntry(start: Place, definition: Definition): Promise<Target | undefined> {
  let here = start;
  for (let hop = 0; hop < 2; hop++) {
    const targets = await definition(here);
    const entry = targets.find((t) => isLexiconUri(t.uri));
    if (entry) {
      return entry;
    }
    // A target around the cursor itself would lead nowhere new.
    const firstMention = targets.find((t) => t.uri === here.uri && !contains(t.range, here));
    if (!firstMention) {
      return undefined;
    }
    here = { uri: firstMention.uri, line: firstMention.range.start.line, character: firstMention.range.start.character };
  }
  return undefined;
}

interface LocationLike {
  uri: string;
  range: Target['range'];
}

interface LocationLinkLike {
  targetUri: string;
  targetRange: Target['range'];
  targetSelectionRange?: Target['range'];
}

/** Flattens a definition answer (Location, Location[], LocationLink[] or null). */
export function toTargets(result: unknown): Target[] {
  const items = Array.isArray(result) ? result : result ? [result] : [];
  const targets: Target[] = [];
  for (const item of items as Array<Partial<LocationLike & LocationLinkLike>>) {
    if (typeof item.uri === 'string' && item.range) {
      targets.push({ uri: item.uri, range: item.range });
    } else if (typeof item.targetUri === 'string' && (item.targetSelectionRange ?? item.targetRange)) {
      targets.push({ uri: item.targetUri, range: (item.targetSelectionRange ?? item.targetRange)! });
    }
  }
  return targets;
}
