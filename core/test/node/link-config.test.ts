import { strict as assert } from 'node:assert';
import { parseConfig } from '@strata/core/config';
import { linkListenerLimits, NODE_LINK_CONFIG_KEYS, readNodeLinkConfig } from '@strata/core/node/link-config';

const DEFAULTS = {
  link: {
    handshakeTimeoutMs: 10_000, maxQueuedBytes: 4 << 20, maxPendingPacketsPerPeer: 1000, maxPendingHandshakes: 256,
    maxPendingHandshakesPerSource: 32, handshakesPerSecond: 200, handshakeBurst: 400, maxConnectionsPerPeer: 4,
  },
};
const parse = (raw: unknown) => parseConfig(raw, DEFAULTS, (r) => ({ link: readNodeLinkConfig(r) }));

describe('node link config', () => {
  it('fills every limit from the daemon defaults', () => {
    assert.deepEqual(parse({}).link, DEFAULTS.link);
  });

  it('rejects an unknown key and an out-of-range limit with the full path', () => {
    assert.throws(() => parse({ link: { maxConections: 1 } }), (e: Error) => e.name === 'ConfigError' && /link/.test(e.message) && /maxConections/.test(e.message));
    assert.throws(() => parse({ link: { handshakeBurst: 0 } }), (e: Error) => e.name === 'ConfigError' && /link\.handshakeBurst/.test(e.message));
  });

  it('hands the listener every limit but the per-peer packet queue', () => {
    const limits = linkListenerLimits(parse({}).link);
    assert.deepEqual(Object.keys(limits).sort(), NODE_LINK_CONFIG_KEYS.filter((k) => k !== 'maxPendingPacketsPerPeer').sort());
  });
});
