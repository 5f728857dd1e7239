import assert from 'node:assert/strict';
import { parseProviderConfig } from '../src/config.js';
import { parseMixnetConfig } from '../src/mixnet-config.js';

const authorities = [{ url: 'https://dir.example', identityKey: 'ab'.repeat(32) }];

describe('mixnet config', () => {
  it('is off when absent or disabled', () => {
    assert.equal(parseMixnetConfig(undefined), null);
    assert.equal(parseMixnetConfig({ enabled: false }), null);
    assert.equal(parseProviderConfig({ dataDir: '/tmp/x' }).mixnet, null);
  });

  it('fills defaults, a majority threshold and decodes authority keys', () => {
    const c = parseMixnetConfig({ directory: { authorities } })!;
    assert.equal(c.listen.port, 7200);
    assert.equal(c.advertiseHost, '127.0.0.1');
    assert.equal(c.directory.threshold, 1);
    assert.equal(c.directory.authorities[0].identityKey.length, 32);
    assert.equal(c.rateLimit.burst, 200);
    assert.ok(Object.isFrozen(c.rateLimit));
  });

  it('defaults the link listener limits, with a higher handshake rate than a mix for its clients', () => {
    const c = parseMixnetConfig({ directory: { authorities } })!;
    assert.deepEqual(
      [c.link.maxPendingHandshakes, c.link.maxPendingHandshakesPerSource, c.link.handshakesPerSecond, c.link.handshakeBurst, c.link.maxConnectionsPerPeer],
      [1024, 32, 1000, 2000, 4],
    );
    assert.throws(() => parseMixnetConfig({ directory: { authorities }, link: { handshakesPerSecond: 0 } }), {
      name: 'ProviderConfigError',
      message: /^provider\.mixnet\.link\.handshakesPerSecond: /,
    });
  });

  it('names the full path of a bad value', () => {
    assert.throws(() => parseMixnetConfig({ directory: { authorities }, listen: { port: 70000 } }), { name: 'ProviderConfigError', message: /^provider\.mixnet\.listen\.port/ });
    assert.throws(() => parseMixnetConfig({ directory: { authorities }, geometry: { withSurb: false } }), { name: 'ProviderConfigError', message: /withSurb/ });
  });

  it('requires the dropbox entry size to equal the Sphinx user payload', () => {
    assert.throws(() => parseProviderConfig({ dataDir: '/tmp/x', dropbox: { messageBytes: 256 }, mixnet: { directory: { authorities } } }), {
      name: 'ProviderConfigError',
      message: /messageBytes: must equal mixnet\.geometry\.userForwardPayloadLength/,
    });
  });
});
