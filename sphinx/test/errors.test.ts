import { strict as assert } from 'node:assert';
import { InvalidPacketError, SphinxArgumentError, SphinxError } from '../src/index.js';

describe('errors', () => {
  it('name every class and carry the reason or path', () => {
    const e = new InvalidPacketError('mac', 'header MAC mismatch');
    assert.equal(e.name, 'InvalidPacketError');
    assert.equal(e.reason, 'mac');
    assert.ok(e instanceof SphinxError && e instanceof Error);
    const a = new SphinxArgumentError('path[0].id', 'must be 32 bytes');
    assert.equal(a.name, 'SphinxArgumentError');
    assert.equal(a.path, 'path[0].id');
    assert.equal(a.message, 'path[0].id: must be 32 bytes');
    assert.equal(new SphinxError('x').name, 'SphinxError');
  });
});
