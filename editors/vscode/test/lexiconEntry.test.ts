import { strict as assert } from 'assert';
import { describe, it } from 'node:test';

import { Place, Target, findLexiconEntry, toTargets } from '../src/lexiconEntry';
import { describeBuildResult } from '../src/build';

const DRAFT = 'file:///desk/draft.md';
const LEXICON = 'file:///desk/world.lexicon.json';

function at(uri: string, line: number, character: number, length = 7): Target {
  return { uri, range: { start: { line, character }, end: { line, character: character + length } } };
}

/** A server that knows one entity: first mentioned at 2:10 in the draft, with
 * its entry at line 40 of the lexicon and evidence in a source article. */
function server(asked: Place[]) {
  return async (p: Place): Promise<Target[]> => {
    asked.push(p);
    if (p.uri !== DRAFT) return [];
    if (p.line === 2 && p.character >= 10 && p.character <= 17) {
      return [at('file:///desk/sources/sochi.txt', 5, 0), at(LEXICON, 40, 4)];
    }
    if (p.line === 9) return [at(DRAFT, 2, 10)];
    return [];
  };
}

describe('Open lexicon entry', () => {
  it('goes straight to the entry from the first mention', async () => {
    const asked: Place[] = [];
    assert.deepEqual(await findLexiconEntry({ uri: DRAFT, line: 2, character: 12 }, server(asked)), at(LEXICON, 40, 4));
    assert.equal(asked.length, 1);
  });

  it('goes through the first mention from a later one', async () => {
    const asked: Place[] = [];
    assert.deepEqual(await findLexiconEntry({ uri: DRAFT, line: 9, character: 3 }, server(asked)), at(LEXICON, 40, 4));
    assert.deepEqual(asked, [
      { uri: DRAFT, line: 9, character: 3 },
      { uri: DRAFT, line: 2, character: 10 },
    ]);
  });

  it('finds nothing where the server knows no name', async () => {
    assert.equal(await findLexiconEntry({ uri: DRAFT, line: 0, character: 0 }, server([])), undefined);
  });

  it('does not go round in circles when the answer is the cursor itself', async () => {
    const asked: Place[] = [];
    const selfish = async (p: Place) => {
      asked.push(p);
      return [at(DRAFT, 4, 0)];
    };
    assert.equal(await findLexiconEntry({ uri: DRAFT, line: 4, character: 3 }, selfish), undefined);
    assert.equal(asked.length, 1);
  });

  it('reads every shape of definition answer', () => {
    const range = { start: { line: 1, character: 2 }, end: { line: 1, character: 9 } };
    const wide = { start: { line: 0, character: 0 }, end: { line: 3, character: 0 } };
    assert.deepEqual(toTargets(null), []);
    assert.deepEqual(toTargets({ uri: LEXICON, range }), [{ uri: LEXICON, range }]);
    assert.deepEqual(toTargets([{ uri: LEXICON, range }]), [{ uri: LEXICON, range }]);
    assert.deepEqual(toTargets([{ targetUri: LEXICON, targetRange: wide, targetSelectionRange: range }]), [
      { uri: LEXICON, range },
    ]);
  });
});

describe('Build lexicon from this article', () => {
  it('reports where the lexicon went and what is in it', () => {
    assert.deepEqual(describeBuildResult({ path: '/desk/sochi.lexicon.json', entities: 35, claims: 1 }), {
      message: 'copydesk: lexicon written to /desk/sochi.lexicon.json (35 entities, 1 claim).',
      path: '/desk/sochi.lexicon.json',
    });
    assert.deepEqual(describeBuildResult({ uri: 'file:///desk/a.lexicon.json' }), {
      message: 'copydesk: lexicon written to file:///desk/a.lexicon.json.',
      path: 'file:///desk/a.lexicon.json',
    });
    assert.deepEqual(describeBuildResult(null), { message: 'copydesk: lexicon built.' });
  });
});
