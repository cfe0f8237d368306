import * as vscode from './stub/install';
import { strict as assert } from 'assert';
import { beforeEach, describe, it } from 'node:test';

import { StatusItem, describeStatus } from '../src/status';

describe('the status bar item', () => {
  beforeEach(() => vscode.state.reset());

  it('names a single lexicon with its counts', () => {
    assert.deepEqual(
      describeStatus({
        lexicons: [{ path: '/desk/tests/fixtures/sochi.lexicon.json', entities: 35, claims: 34 }],
        error: null,
      }),
      {
        text: '$(book) sochi.lexicon.json: 35 entities, 34 claims',
        tooltip: '/desk/tests/fixtures/sochi.lexicon.json: 35 entities, 34 claims',
        error: false,
      },
    );
  });

  it('adds up several lexicons and lists them in the tooltip', () => {
    assert.deepEqual(
      describeStatus({
        lexicons: [
          { path: 'world.lexicon.json', entities: 1, claims: 0 },
          { path: 'sport.lexicon.json', entities: 2, claims: 1 },
        ],
        error: null,
      }),
      {
        text: '$(book) 2 lexicons: 3 entities, 1 claim',
        tooltip: 'world.lexicon.json: 1 entity, 0 claims\nsport.lexicon.json: 2 entities, 1 claim',
        error: false,
      },
    );
  });

  it('shows a load error, and what is still in use', () => {
    const view = describeStatus({
      lexicons: [{ path: 'world.lexicon.json', entities: 4, claims: 2 }],
      error: 'world.lexicon.json:3:16: expected value',
    });
    assert.deepEqual(view, {
      text: '$(error) copydesk: lexicon error',
      tooltip: 'world.lexicon.json:3:16: expected value\n\nStill in use:\nworld.lexicon.json: 4 entities, 2 claims',
      error: true,
    });
  });

  it('says when no lexicon is loaded', () => {
    assert.equal(describeStatus({ lexicons: [], error: null }).text, '$(book) copydesk: no lexicon');
  });

  it('is shown from the start, opens the output on click, and turns red on errors', () => {
    const item = new StatusItem('copydesk.showOutput');
    const [bar] = vscode.state.statusItems;
    assert.equal(bar.visible, true);
    assert.equal(bar.command, 'copydesk.showOutput');
    assert.equal(bar.text, '$(sync~spin) copydesk');
    item.update({ lexicons: [], error: 'bad.lexicon.json:1:1: expected value' });
    assert.equal(bar.text, '$(error) copydesk: lexicon error');
    assert.equal(bar.backgroundColor?.id, 'statusBarItem.errorBackground');
    item.update({ lexicons: [{ path: 'a.lexicon.json', entities: 1, claims: 1 }], error: null });
    assert.equal(bar.text, '$(book) a.lexicon.json: 1 entity, 1 claim');
    assert.equal(bar.backgroundColor, undefined);
    item.dispose();
    assert.equal(bar.disposed, true);
  });
});
