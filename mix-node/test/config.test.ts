import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { parseMixConfig } from '../src/config.js';

const minimal = {
  dataDir: '/tmp/strata-mix-config-test',
  directory: { authorities: [{ url: 'http://127.0.0.1:7000', identityKey: 'ab'.repeat(32) }] },
};

describe('mix config', () => {
  it('fills every default and freezes the result', () => {
    const c = parseMixConfig(minimal);
    assert.equal(c.listen.port, 7100);
    assert.equal(c.advertiseHost, '127.0.0.1');
    assert.equal(c.workers.count, availableParallelism());
    assert.equal(c.directory.threshold, 1);
    assert.equal(c.replayFilter.fsync, false);
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.delayQueue));
  });

  it('names the offending path in its errors', () => {
    assert.throws(() => parseMixConfig({ ...minimal, delayQueue: { maxPackets: 0 } }), {
      name: 'ConfigError',
      message: /^delayQueue\.maxPackets: /,
    });
    assert.throws(() => parseMixConfig({ ...minimal, directory: { authorities: [{ url: 'ftp://x', identityKey: 'ab'.repeat(32) }] } }), {
      message: /^directory\.authorities\[0\]\.url: /,
    });
  });

  it('rejects unknown keys and a grace period as long as the epoch', () => {
    assert.throws(() => parseMixConfig({ ...minimal, delayQueu: {} }), { name: 'ConfigError', message: /^delayQueu: unknown key/ });
    assert.throws(() => parseMixConfig({ ...minimal, epoch: { lengthMs: 5000, graceMs: 5000 } }), { message: /^epoch\.graceMs: / });
  });

  it('defaults every link and memory limit, and names a bad one by path', () => {
    const c = parseMixConfig(minimal);
    assert.deepEqual({ ...c.link }, {
      handshakeTimeoutMs: 10_000, maxQueuedBytes: 4 * 1024 * 1024, maxPendingPacketsPerPeer: 1024, maxPendingHandshakes: 256,
      maxPendingHandshakesPerSource: 32, handshakesPerSecond: 200, handshakeBurst: 400, maxConnectionsPerPeer: 4,
    });
    assert.equal(c.memoryCeilingBytes, 1024 * 1024 * 1024);
    assert.throws(() => parseMixConfig({ ...minimal, link: { maxConnectionsPerPeer: 0 } }), { name: 'ConfigError', message: /^link\.maxConnectionsPerPeer: / });
    assert.throws(() => parseMixConfig({ ...minimal, memoryCeilingBytes: -1 }), { name: 'ConfigError', message: /^memoryCeilingBytes: / });
  });

  it('resolves a relative data directory against the config folder', () => {
    const c = parseMixConfig({ ...minimal, dataDir: 'mix1' }, '/etc/strata');
    assert.equal(c.dataDir, '/etc/strata/mix1');
  });
});
