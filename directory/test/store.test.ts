import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthorityStore } from '@strata/directory';

describe('AuthorityStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'strata-store-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps records across a reopen', async () => {
    const a = new AuthorityStore(dir);
    a.put('desc', 7, 'aa', new Uint8Array([1, 2]));
    a.putString('published', 7, '', '{"x":1}');
    await a.close();
    const b = new AuthorityStore(dir);
    assert.deepEqual(b.get('desc', 7, 'aa'), new Uint8Array([1, 2]));
    assert.equal(b.getString('published', 7), '{"x":1}');
    await b.close();
  });

  it('lists and counts one epoch only', async () => {
    const s = new AuthorityStore(dir);
    s.put('vote', 7, 'a', new Uint8Array([1]));
    s.put('vote', 7, 'b', new Uint8Array([2]));
    s.put('vote', 70, 'c', new Uint8Array([3]));
    assert.deepEqual(s.list('vote', 7).map(([id]) => id), ['a', 'b']);
    assert.equal(s.count('vote', 70), 1);
    await s.close();
  });

  it('prunes epochs older than asked', async () => {
    const s = new AuthorityStore(dir);
    for (const e of [1, 2, 3]) s.put('sig', e, 'x', new Uint8Array([e]));
    assert.equal(s.prune(3), 2);
    assert.equal(s.get('sig', 2, 'x'), undefined);
    assert.deepEqual(s.get('sig', 3, 'x'), new Uint8Array([3]));
    await s.close();
  });
});
