// Issue 9, item 4: link downgrade attempts are rejected and counted. A peer speaking another
// Noise protocol, another frame size or rekey period, or an XX handshake cut short to skip the
// initiator's authentication never gets a connection, and the failure is counted by reason.
import { strict as assert } from 'node:assert';
import type { Duplex } from 'node:stream';
import { linkPrologue, resolveLinkConfig } from '../../src/link/config.js';
import { createLinkListener } from '../../src/link/listener.js';
import { dialLink } from '../../src/link/dial.js';
import { NOISE_PROTOCOL_NAME } from '../../src/link/handshake-state.js';
import { SymmetricState } from '../../src/link/symmetric-state.js';
import { dh, generateLinkKeyPair, privateKeyObject, publicKeyObject, type LinkKeyPair } from '../../src/link/x25519.js';
import { FRAME_BYTES, HOST, promMetrics, TRANSPORTS, waitFor, waitForAsync } from './helpers.js';

const EMPTY = new Uint8Array(0);
const framed = (m: Uint8Array): Buffer => Buffer.concat([Buffer.from([m.length >> 8, m.length & 0xff]), m]);

/** Collects what a raw stream receives. */
function collect(stream: Duplex): { bytes(): Buffer; closed: Promise<void> } {
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('error', () => {});
  return { bytes: () => Buffer.concat(chunks), closed: new Promise((r) => stream.once('close', () => r())) };
}

/**
 * The initiator side of XX under another protocol name (Noise §5.2 InitializeSymmetric): what a
 * peer offering a weaker or different suite would send. Message 0 is `e` in clear, so it looks
 * the same; from message 1 on the transcripts differ.
 */
function foreignInitiator(protocolName: string, prologue: Uint8Array, s: LinkKeyPair) {
  const ss = new SymmetricState(protocolName);
  ss.mixHash(prologue);
  const e = generateLinkKeyPair();
  return {
    message0(): Uint8Array {
      ss.mixHash(e.publicKey);
      ss.mixHash(ss.encryptAndHash(EMPTY));
      return e.publicKey;
    },
    /** Reads message 1 and writes message 2 (throws where the transcripts disagree). */
    message2(m1: Uint8Array): Uint8Array {
      const re = m1.subarray(0, 32);
      ss.mixHash(re);
      ss.mixKey(dh(privateKeyObject(e), publicKeyObject(re)));
      const rs = ss.decryptAndHash(m1.subarray(32, 80));
      ss.mixKey(dh(privateKeyObject(e), publicKeyObject(rs)));
      ss.decryptAndHash(m1.subarray(80));
      const encS = ss.encryptAndHash(s.publicKey);
      ss.mixKey(dh(privateKeyObject(s), publicKeyObject(re)));
      return Buffer.concat([encS, ss.encryptAndHash(EMPTY)]);
    },
  };
}

for (const t of TRANSPORTS) {
  describe(`link downgrade attempts over ${t.name}`, function () {
    this.timeout(30_000);

    async function setup(extra: Record<string, unknown> = {}) {
      const transport = t.make();
      const listenerKey = generateLinkKeyPair();
      const dialerKey = generateLinkKeyPair();
      const m = promMetrics();
      let accepted = 0;
      const listener = await createLinkListener<string>({
        host: HOST, port: 0, frameBytes: FRAME_BYTES, staticKey: listenerKey, transport, metrics: m.metrics,
        authorize: (k) => (Buffer.from(k).equals(Buffer.from(dialerKey.publicKey)) ? 'ok' : null),
        ...extra,
      });
      listener.on('connection', (c) => {
        accepted++;
        c.close();
      });
      const failures = (reason: string) => m.value('strata_link_handshake_failures_total', 'reason', reason);
      return { transport, listener, listenerKey, dialerKey, failures, accepted: () => accepted };
    }

    it('refuses a dialer speaking another Noise protocol and counts bad_handshake', async () => {
      const s = await setup();
      const prologue = linkPrologue(resolveLinkConfig({ frameBytes: FRAME_BYTES }));
      for (const name of ['Noise_XX_25519_AESGCM_SHA256', 'Noise_XX_25519_ChaChaPoly_BLAKE2b', 'Noise_NN_25519_ChaChaPoly_SHA256']) {
        assert.notEqual(name, NOISE_PROTOCOL_NAME);
        const peer = foreignInitiator(name, prologue, s.dialerKey);
        const stream = await s.transport.connect(s.listener.address);
        const rx = collect(stream);
        stream.write(framed(peer.message0()));
        await waitFor(() => rx.bytes().length >= 98, 'message 1');
        // The foreign transcript cannot even read the listener's static key...
        assert.throws(() => peer.message2(rx.bytes().subarray(2, 98)), { name: 'AeadError' });
        // ...and whatever it sends as message 2 is refused.
        stream.write(framed(new Uint8Array(64).fill(1)));
        await rx.closed;
      }
      await waitForAsync(async () => (await s.failures('bad_handshake')) === 3, 'three bad_handshake failures');
      assert.equal(s.accepted(), 0);
      await s.listener.close();
    });

    it('is refused by a dialer when the listener speaks another Noise protocol, before the dialer reveals its key', async () => {
      const dialerMetrics = promMetrics();
      const transport = t.make();
      const seen: Buffer[] = [];
      const server = await transport.listen({ host: HOST, port: 0 }, (stream) => {
        // A responder under another protocol name: e, ee, s, es computed on a foreign transcript.
        const ss = new SymmetricState('Noise_XX_25519_AESGCM_SHA256');
        ss.mixHash(linkPrologue(resolveLinkConfig({ frameBytes: FRAME_BYTES })));
        const s = generateLinkKeyPair();
        const e = generateLinkKeyPair();
        stream.on('error', () => {});
        stream.once('data', (m0: Buffer) => {
          seen.push(m0);
          const re = m0.subarray(2, 34);
          ss.mixHash(re);
          ss.mixHash(ss.encryptAndHash(EMPTY));
          ss.mixHash(e.publicKey);
          ss.mixKey(dh(privateKeyObject(e), publicKeyObject(re)));
          const encS = ss.encryptAndHash(s.publicKey);
          ss.mixKey(dh(privateKeyObject(s), publicKeyObject(re)));
          stream.write(framed(Buffer.concat([e.publicKey, encS, ss.encryptAndHash(EMPTY)])));
          stream.on('data', (c: Buffer) => seen.push(c));
        });
      });
      try {
        await assert.rejects(
          dialLink({ host: HOST, port: server.address.port, frameBytes: FRAME_BYTES, staticKey: generateLinkKeyPair(), expectedPeerKey: generateLinkKeyPair().publicKey, transport, metrics: dialerMetrics.metrics }),
          { name: 'HandshakeError', reason: 'bad_handshake' },
        );
        assert.equal(await dialerMetrics.value('strata_link_handshake_failures_total', 'reason', 'bad_handshake'), 1);
        assert.equal(Buffer.concat(seen).length, 34, 'only message 0 (e) left the dialer: no static key');
      } finally {
        await server.close();
      }
    });

    for (const [what, dialer] of [
      ['a smaller frame size', { frameBytes: FRAME_BYTES - 64 }],
      ['another rekey period', { frameBytes: FRAME_BYTES, rekeyAfterFrames: 1 << 10 }],
    ] as const) {
      it(`fails a dialer offering ${what} at message 1 (bad_handshake), counted on both ends`, async () => {
        const s = await setup();
        const dialerMetrics = promMetrics();
        await assert.rejects(
          dialLink({ host: HOST, port: s.listener.address.port, staticKey: s.dialerKey, expectedPeerKey: s.listenerKey.publicKey, transport: s.transport, metrics: dialerMetrics.metrics, ...dialer }),
          { name: 'HandshakeError', reason: 'bad_handshake' },
        );
        assert.equal(await dialerMetrics.value('strata_link_handshake_failures_total', 'reason', 'bad_handshake'), 1);
        // The prologue binds both parameters (Noise §6): the dialer cannot read message 1 and hangs
        // up, which the listener counts as a handshake closed before completing.
        await waitForAsync(async () => (await s.failures('closed')) === 1, 'listener-side failure');
        assert.equal(s.accepted(), 0);
        await s.listener.close();
      });
    }

    it('refuses an XX handshake cut short: frames instead of message 2 never authenticate the dialer', async () => {
      const s = await setup();
      const stream = await s.transport.connect(s.listener.address);
      const rx = collect(stream);
      stream.write(framed(generateLinkKeyPair().publicKey)); // message 0: e
      await waitFor(() => rx.bytes().length >= 98, 'message 1');
      // Skip "-> s, se": send what a post-handshake frame would look like.
      stream.write(framed(new Uint8Array(FRAME_BYTES - 2)));
      await rx.closed;
      assert.equal(rx.bytes().length, 98, 'nothing after message 1: no confirmation, no frames');
      await waitForAsync(async () => (await s.failures('bad_handshake')) === 1, 'bad_handshake counted');
      assert.equal(s.accepted(), 0);
      await s.listener.close();
    });

    it('refuses a dialer that stops after message 1 and counts it as a timeout', async () => {
      const s = await setup({ handshakeTimeoutMs: 100 });
      const stream = await s.transport.connect(s.listener.address);
      const rx = collect(stream);
      stream.write(framed(generateLinkKeyPair().publicKey));
      await rx.closed;
      assert.equal(rx.bytes().length, 98);
      await waitForAsync(async () => (await s.failures('timeout')) === 1, 'timeout counted');
      assert.equal(s.accepted(), 0);
      await s.listener.close();
    });

    it('is refused by a dialer when a listener skips message 1 and sends a frame', async () => {
      const dialerMetrics = promMetrics();
      const transport = t.make();
      const server = await transport.listen({ host: HOST, port: 0 }, (stream) => {
        stream.on('error', () => {});
        stream.once('data', () => stream.write(framed(new Uint8Array(FRAME_BYTES - 2))));
      });
      try {
        await assert.rejects(
          dialLink({ host: HOST, port: server.address.port, frameBytes: FRAME_BYTES, staticKey: generateLinkKeyPair(), expectedPeerKey: generateLinkKeyPair().publicKey, transport, metrics: dialerMetrics.metrics }),
          { name: 'HandshakeError', reason: 'bad_handshake' },
        );
        assert.equal(await dialerMetrics.value('strata_link_handshake_failures_total', 'reason', 'bad_handshake'), 1);
      } finally {
        await server.close();
      }
    });
  });
}
