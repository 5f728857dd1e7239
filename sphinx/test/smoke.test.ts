import { strict as assert } from 'node:assert';
import * as core from 'sphinx-packet-ts';
describe('workspace', () => {
  it('resolves workspace packages from source', () => { assert.equal(typeof core, 'object'); });
});
