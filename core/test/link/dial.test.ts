import { strict as assert } from 'node:assert';
import { dialLink } from '../../src/link/dial.js';
import { createLinkListener } from '../../src/link/listener.js';
import { generateLinkKeyPair } from '../../src/link/x25519.js';
import { connectPair, FRAME_BYTES, HOST, promMetrics, TRANSPORTS, waitForAsync } from './helpers.js';

for (const t of TRANSPORTS) {
  describe(`dialLink over ${t.name}`, function () {
    this.timeout(20_000);

    it('refuses a listener whose static key is not the expected one, before revealing itself', async () => {
      const transport = t.make();
      const dialerKey = generateLinkKeyPair();
      const lm = promMetrics();
      const dm = promMetrics();
      let authorizeCalls = 0;
      const listener = await createLinkListener({
        host: HOST, port: 0, frameBytes: FRAME_BYTES, staticKey: generateLinkKeyPair(), transport, metrics: lm.metrics,
        authorize: () => { authorizeCalls++; return 'x'; },
      });
      try {
        await assert.rejects(
          dialLink({
            host: HOST, port: listener.address.port, frameBytes: FRAME_BYTES, staticKey: dialerKey,
            expectedPeerKey: generateLinkKeyPair().publicKey, transport, metrics: dm.metrics,
          }),
          { name: 'HandshakeError', reason: 'wrong_peer_key' },
        );
        assert.equal(await dm.value('strata_link_handshake_failures_total', 'reason', 'wrong_peer_key'), 1);
        await waitForAsync(async () => (await lm.value('strata_link_handshake_failures_total', 'reason', 'closed')) === 1, 'listener sees the abort');
        assert.equal(authorizeCalls, 0);
      } finally {
        await listener.close();
      }
    });

    it('is refused by a listener that does not know its key, and both sides count it', async () => {
      const transport = t.make();
      const listenerKey = generateLinkKeyPair();
      const lm = promMetrics();
      const dm = promMetrics();
      const listener = await createLinkListener({
        host: HOST, port: 0, frameBytes: FRAME_BYTES, staticKey: listenerKey, transport, metrics: lm.metrics,
        authorize: () => null,
      });
      let connections = 0;
      listener.on('connection', () => connections++);
      try {
        await assert.rejects(
          dialLink({
            host: HOST, port: listener.address.port, frameBytes: FRAME_BYTES, staticKey: generateLinkKeyPair(),
            expectedPeerKey: listenerKey.publicKey, transport, metrics: dm.metrics,
          }),
          { name: 'HandshakeError', reason: 'refused' },
        );
        assert.equal(await lm.value('strata_link_handshake_failures_total', 'reason', 'unknown_peer'), 1);
        assert.equal(await dm.value('strata_link_handshake_failures_total', 'reason', 'refused'), 1);
        assert.equal(connections, 0);
      } finally {
        await listener.close();
      }
    });

    it('times out on a silent listener', async () => {
      const transport = t.make();
      const held: import('node:stream').Duplex[] = [];
      const server = await transport.listen({ host: HOST, port: 0 }, (s) => held.push(s)); // accepts, never answers
      const dm = promMetrics();
      try {
        await assert.rejects(
          dialLink({
            host: HOST, port: server.address.port, frameBytes: FRAME_BYTES, staticKey: generateLinkKeyPair(),
            expectedPeerKey: generateLinkKeyPair().publicKey, transport, metrics: dm.metrics, handshakeTimeoutMs: 50,
          }),
          { name: 'HandshakeError', reason: 'timeout' },
        );
        assert.equal(await dm.value('strata_link_handshake_failures_total', 'reason', 'timeout'), 1);
      } finally {
        for (const s of held) s.destroy();
        await server.close();
      }
    });

    it('fails with connect_failed when nothing listens', async () => {
      const transport = t.make();
      const server = await transport.listen({ host: HOST, port: 0 }, (s) => s.destroy());
      const port = server.address.port;
      await server.close();
      await assert.rejects(
        dialLink({ host: HOST, port, frameBytes: FRAME_BYTES, staticKey: generateLinkKeyPair(), expectedPeerKey: generateLinkKeyPair().publicKey, transport }),
        { name: 'HandshakeError', reason: 'connect_failed' },
      );
    });

    it('fails the handshake when the two ends disagree on the frame size', async () => {
      const transport = t.make();
      await assert.rejects(
        connectPair(transport, { dialer: { frameBytes: FRAME_BYTES + 1 } }),
        { name: 'HandshakeError', reason: 'bad_handshake' },
      );
    });
  });
}

describe('dialLink options', () => {
  it('rejects an expected peer key of the wrong length', async () => {
    await assert.rejects(
      dialLink({ host: HOST, port: 1, frameBytes: FRAME_BYTES, staticKey: generateLinkKeyPair(), expectedPeerKey: new Uint8Array(31) }),
      { name: 'AssertionError' },
    );
  });

  it('names the bad option in a config error', async () => {
    await assert.rejects(
      dialLink({ host: HOST, port: 1, frameBytes: 10, staticKey: generateLinkKeyPair(), expectedPeerKey: new Uint8Array(32) }),
      (e: Error) => e.name === 'ConfigError' && e.message.startsWith('link.frameBytes:'),
    );
  });
});
