import { strict as assert } from 'node:assert';
import type { Duplex } from 'node:stream';
import fc from 'fast-check';
import type { LinkCloseInfo, LinkConnection } from '../../src/link/connection.js';
import { createLinkListener } from '../../src/link/listener.js';
import { generateLinkKeyPair } from '../../src/link/x25519.js';
import { dialLink } from '../../src/link/dial.js';
import { FRAME_BYTES, HOST, promMetrics, rawDial, TRANSPORTS, waitFor, waitForAsync } from './helpers.js';

for (const t of TRANSPORTS) {
  describe(`createLinkListener over ${t.name}`, function () {
    this.timeout(30_000);

    async function setup(extra: Record<string, unknown> = {}) {
      const transport = t.make();
      const listenerKey = generateLinkKeyPair();
      const dialerKey = generateLinkKeyPair();
      const m = promMetrics();
      const accepted: LinkConnection<string>[] = [];
      const listener = await createLinkListener<string>({
        host: HOST, port: 0, frameBytes: FRAME_BYTES, staticKey: listenerKey, transport, metrics: m.metrics,
        authorize: (k) => (Buffer.from(k).equals(Buffer.from(dialerKey.publicKey)) ? 'ok' : null),
        ...extra,
      });
      listener.on('connection', (c) => accepted.push(c));
      const dial = () => dialLink({
        host: HOST, port: listener.address.port, frameBytes: FRAME_BYTES, staticKey: dialerKey,
        expectedPeerKey: listenerKey.publicKey, transport,
      });
      /** Opens `n` raw connections that never start a handshake (each left pending). */
      const silent = async (n: number): Promise<Duplex[]> => {
        const streams: Duplex[] = [];
        for (let i = 0; i < n; i++) {
          const stream = await transport.connect(listener.address);
          stream.on('error', () => {});
          streams.push(stream);
        }
        return streams;
      };
      return { transport, listener, listenerKey, dialerKey, m, accepted, dial, silent };
    }

    it('survives random bytes from unauthenticated peers and still serves real dialers', async () => {
      const s = await setup({ handshakeTimeoutMs: 2_000 });
      const streams: Duplex[] = [];
      try {
        await fc.assert(
          fc.asyncProperty(
            fc.oneof(
              fc.uint8Array({ minLength: 0, maxLength: 300 }),
              // Plausible prefixes: the right header for message 0, then garbage.
              fc.uint8Array({ minLength: 0, maxLength: 200 }).map((b) => Uint8Array.from([0, 32, ...b])),
            ),
            async (bytes) => {
              const stream = await s.transport.connect(s.listener.address);
              streams.push(stream);
              stream.on('error', () => {});
              const closed = new Promise((r) => stream.once('close', r));
              stream.end(bytes);
              stream.resume();
              await closed;
            },
          ),
          { seed: 1337, numRuns: 40 },
        );
        assert.equal(s.accepted.length, 0);
        await waitFor(() => s.listener.pendingHandshakes === 0, 'handshakes to end');
        const conn = await s.dial();
        await conn.send({ kind: 'NoOp' });
        conn.close();
        await waitFor(() => s.accepted.length === 1, 'the real dialer');
      } finally {
        for (const x of streams) x.destroy();
        await s.listener.close();
      }
    });

    it('refuses an all-zero (low-order) ephemeral key and counts low_order', async () => {
      const s = await setup();
      const stream = await s.transport.connect(s.listener.address);
      stream.on('error', () => {});
      try {
        const closed = new Promise((r) => stream.once('close', r));
        stream.write(Uint8Array.from([0, 32, ...new Uint8Array(32)]));
        stream.resume();
        await closed;
        assert.equal(await s.m.value('strata_link_handshake_failures_total', 'reason', 'low_order'), 1);
      } finally {
        stream.destroy();
        await s.listener.close();
      }
    });

    it('times out a silent dialer and counts it', async () => {
      const s = await setup({ handshakeTimeoutMs: 50 });
      const stream = await s.transport.connect(s.listener.address);
      stream.on('error', () => {});
      try {
        await new Promise((r) => stream.once('close', r));
        assert.equal(await s.m.value('strata_link_handshake_failures_total', 'reason', 'timeout'), 1);
      } finally {
        stream.destroy();
        await s.listener.close();
      }
    });

    it('drops handshakes beyond maxPendingHandshakes', async () => {
      const s = await setup({ maxPendingHandshakes: 2, handshakeTimeoutMs: 5_000 });
      const streams = await s.silent(3);
      try {
        await waitForAsync(async () => (await s.m.value('strata_link_handshake_failures_total', 'reason', 'too_many_handshakes')) === 1, 'drop');
        assert.equal(s.listener.pendingHandshakes, 2);
      } finally {
        for (const x of streams) x.destroy();
        await s.listener.close();
      }
    });

    it('drops handshakes beyond the handshake rate, counted as handshake_rate', async () => {
      const s = await setup({ handshakesPerSecond: 1, handshakeBurst: 2, handshakeTimeoutMs: 5_000 });
      const streams = await s.silent(5);
      try {
        await waitForAsync(async () => (await s.m.value('strata_link_handshake_failures_total', 'reason', 'handshake_rate')) >= 1, 'rate drop');
        assert.ok(s.listener.pendingHandshakes <= 4);
      } finally {
        for (const x of streams) x.destroy();
        await s.listener.close();
      }
    });

    it('refuses a link beyond maxConnectionsPerPeer for one static key, counted as too_many_connections', async () => {
      const s = await setup({ maxConnectionsPerPeer: 1 });
      try {
        const first = await s.dial();
        await assert.rejects(s.dial(), { name: 'HandshakeError' });
        assert.equal(await s.m.value('strata_link_handshake_failures_total', 'reason', 'too_many_connections'), 1);
        assert.equal(s.listener.linksOf(s.dialerKey.publicKey), 1);
        first.close();
        await waitFor(() => s.listener.linksOf(s.dialerKey.publicKey) === 0, 'the slot to free');
        const again = await s.dial();
        again.close();
      } finally {
        await s.listener.close();
      }
    });

    if (t.name === 'TCP') {
      it('drops handshakes beyond maxPendingHandshakesPerSource from one IP, counted as too_many_from_source', async () => {
        const s = await setup({ maxPendingHandshakesPerSource: 2, handshakeTimeoutMs: 5_000 });
        const streams = await s.silent(3);
        try {
          await waitForAsync(async () => (await s.m.value('strata_link_handshake_failures_total', 'reason', 'too_many_from_source')) === 1, 'drop');
          assert.equal(s.listener.pendingHandshakes, 2);
        } finally {
          for (const x of streams) x.destroy();
          await s.listener.close();
        }
      });
    }

    it('closes an authenticated peer that skips a rekey, counted as rekey_overdue', async () => {
      const s = await setup({ rekeyAfterFrames: 4 });
      const raw = await rawDial(s.transport, s.listener.address, s.dialerKey, { frameBytes: FRAME_BYTES, rekeyAfterFrames: 4 });
      try {
        await waitFor(() => s.accepted.length === 1, 'accepted');
        const closed = new Promise<LinkCloseInfo>((r) => s.accepted[0].once('close', r));
        for (let i = 0; i < 4; i++) raw.writeCommandFrame({ kind: 'RetrieveMessage', sequence: i });
        const info = await closed;
        assert.equal(info.error?.reason, 'rekey_overdue');
        assert.equal(await s.m.value('strata_link_frames_rejected_total', 'reason', 'rekey_overdue'), 1);
      } finally {
        raw.stream.destroy();
        await s.listener.close();
      }
    });

    for (const [what, reason, frame] of [
      ['an unknown command', 'unknown_command', (b: Uint8Array) => { b[0] = 0x42; }],
      ['non-zero padding', 'bad_command', (b: Uint8Array) => { b[b.length - 1] = 1; }],
    ] as const) {
      it(`closes an authenticated peer that sends ${what}, counted as ${reason}`, async () => {
        const s = await setup();
        const raw = await rawDial(s.transport, s.listener.address, s.dialerKey, { frameBytes: FRAME_BYTES });
        try {
          await waitFor(() => s.accepted.length === 1, 'accepted');
          const closed = new Promise<LinkCloseInfo>((r) => s.accepted[0].once('close', r));
          const plaintext = new Uint8Array(FRAME_BYTES - 18);
          frame(plaintext);
          const ct = raw.send.encryptWithAd(new Uint8Array(0), plaintext);
          raw.writeRaw(Buffer.concat([Buffer.from([ct.length >> 8, ct.length & 0xff]), ct]));
          assert.equal((await closed).error?.reason, reason);
          assert.equal(await s.m.value('strata_link_frames_rejected_total', 'reason', reason), 1);
        } finally {
          raw.stream.destroy();
          await s.listener.close();
        }
      });
    }

    it('closes a peer whose frame header has the wrong length, counted as bad_length', async () => {
      const s = await setup();
      const raw = await rawDial(s.transport, s.listener.address, s.dialerKey, { frameBytes: FRAME_BYTES });
      try {
        await waitFor(() => s.accepted.length === 1, 'accepted');
        const closed = new Promise<LinkCloseInfo>((r) => s.accepted[0].once('close', r));
        raw.writeRaw(Uint8Array.from([0xff, 0xff, 1, 2, 3]));
        assert.equal((await closed).error?.reason, 'bad_length');
        assert.equal(await s.m.value('strata_link_frames_rejected_total', 'reason', 'bad_length'), 1);
      } finally {
        raw.stream.destroy();
        await s.listener.close();
      }
    });
  });
}
