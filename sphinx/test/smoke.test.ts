import { strict as assert } from 'node:assert';
import * as core from '@strata/core';
describe('workspace', () => {
  it('resolves workspace packages from source', () => { assert.equal(typeof core, 'object'); });
});
