import { strict as assert } from 'node:assert';
import type { LinkCommand } from '../../src/link/commands.js';
import type { LinkCloseInfo } from '../../src/link/connection.js';
import { connectPair, FRAME_BYTES, joined, TRANSPORTS, waitFor, waitForAsync } from './helpers.js';

const packet = (i: number, n = 200): Uint8Array => new Uint8Array(n).fill(i & 0xff);

for (const t of TRANSPORTS) {
  describe(`LinkConnection over ${t.name}`, function () {
    this.timeout(20_000);

    it('exchanges commands both ways, in order', async () => {
      const p = await connectPair(t.make());
      try {
        await p.dialer.send({ kind: 'SendPacket', packet: packet(1) });
        await p.dialer.send({ kind: 'GetConsensus', epoch: 42n });
        await p.accepted.send({ kind: 'Consensus', errorCode: 0, payload: packet(9, 100) });
        await p.accepted.send({ kind: 'Message', sequence: 5, surbId: new Uint8Array(16).fill(7), payload: packet(3, 50) });
        await waitFor(() => p.atListener.length === 2 && p.atDialer.length === 2, 'commands');
        assert.deepEqual(p.atListener, [
          { kind: 'SendPacket', packet: packet(1) },
          { kind: 'GetConsensus', epoch: 42n },
        ]);
        assert.deepEqual(p.atDialer.map((c) => c.kind), ['Consensus', 'Message']);
        assert.deepEqual(p.accepted.peerKey, p.dialerKey.publicKey);
        assert.deepEqual(p.dialer.peerKey, p.listenerKey.publicKey);
        assert.equal(p.accepted.peer, 'dialer');
        assert.deepEqual(p.dialer.handshakeHash, p.accepted.handshakeHash);
      } finally {
        await p.close();
      }
    });

    it('puts frames of one length on the wire whatever the command', async () => {
      const p = await connectPair(t.make(), { proxy: true });
      try {
        const cmds: LinkCommand[] = [
          { kind: 'NoOp' },
          { kind: 'SendPacket', packet: packet(1, 1) },
          { kind: 'SendPacket', packet: packet(2, FRAME_BYTES - 24) },
          { kind: 'RetrieveMessage', sequence: 1 },
          { kind: 'GetConsensus', epoch: 1n },
        ];
        for (const c of cmds) await p.dialer.send(c);
        for (const c of cmds) await p.accepted.send(c);
        await waitFor(() => p.atListener.length === 4 && p.atDialer.length === 4, 'commands');
        // Handshake: 2+32 and 2+64 bytes up, 2+96 down; then only FRAME_BYTES frames, each with
        // the fixed length header, and nothing else.
        const up = joined(p.tap!.up).subarray(34 + 66);
        const down = joined(p.tap!.down).subarray(98);
        for (const [dir, bytes, frames] of [['up', up, cmds.length], ['down', down, cmds.length + 1]] as const) {
          assert.equal(bytes.length, frames * FRAME_BYTES, `${dir}: whole frames only`);
          for (let o = 0; o < bytes.length; o += FRAME_BYTES) {
            assert.equal(bytes.readUInt16BE(o), FRAME_BYTES - 2, `${dir}: header of frame at ${o}`);
          }
        }
      } finally {
        await p.close();
      }
    });

    it('closes the connection on a flipped bit in a frame and counts it', async () => {
      let armed = false;
      const p = await connectPair(t.make(), {
        mutate: (dir, chunk, offset) => {
          // Flip one bit inside the first post-handshake frame sent by the dialer.
          const target = 34 + 66 + 40;
          if (dir === 'up' && armed && offset <= target && target < offset + chunk.length) chunk[target - offset] ^= 0x10;
          return chunk;
        },
      });
      try {
        const closed = new Promise<LinkCloseInfo>((r) => p.accepted.once('close', r));
        armed = true;
        await p.dialer.send({ kind: 'SendPacket', packet: packet(1) });
        const info = await closed;
        assert.equal(info.reason, 'frame_rejected');
        assert.equal(info.error?.name, 'LinkError');
        assert.equal(info.error?.reason, 'bad_mac');
        assert.equal(p.atListener.length, 0);
        assert.equal(await p.listenerMetrics.value('strata_link_frames_rejected_total', 'reason', 'bad_mac'), 1);
        await waitFor(() => p.dialer.closed, 'dialer sees the close');
      } finally {
        await p.close();
      }
    });

    it('keeps the stream working across rekey points in both directions', async () => {
      const p = await connectPair(t.make(), { listener: { rekeyAfterFrames: 3 }, dialer: { rekeyAfterFrames: 3 } });
      try {
        for (let i = 0; i < 20; i++) {
          await p.dialer.send({ kind: 'RetrieveMessage', sequence: i });
          await p.accepted.send({ kind: 'MessageDelivered', sequence: i });
        }
        await waitFor(() => p.atListener.length === 20 && p.atDialer.length === 20, 'commands');
        assert.deepEqual(p.atListener.map((c) => (c as { sequence: number }).sequence), [...Array(20).keys()]);
        assert.deepEqual(p.atDialer.map((c) => (c as { sequence: number }).sequence), [...Array(20).keys()]);
        assert.ok((await p.dialerMetrics.value('strata_link_rekeys_total', 'direction', 'send')) >= 9);
        assert.equal(
          await p.listenerMetrics.value('strata_link_rekeys_total', 'direction', 'recv'),
          await p.dialerMetrics.value('strata_link_rekeys_total', 'direction', 'send'),
        );
      } finally {
        await p.close();
      }
    });

    it('rekeys on a timer and keeps working', async () => {
      const p = await connectPair(t.make(), { dialer: { rekeyIntervalMs: 5 } });
      try {
        await waitForAsync(
          async () => (await p.listenerMetrics.value('strata_link_rekeys_total', 'direction', 'recv')) >= 3,
          'three timed rekeys',
        );
        await p.dialer.send({ kind: 'RetrieveMessage', sequence: 77 });
        await waitFor(() => p.atListener.length === 1, 'command after rekeys');
        assert.deepEqual(p.atListener[0], { kind: 'RetrieveMessage', sequence: 77 });
      } finally {
        await p.close();
      }
    });

    it('neither loses nor reorders commands when the receiver reads slowly', async () => {
      const big = { frameBytes: 8192, maxQueuedBytes: 64 * 1024 * 1024 };
      const p = await connectPair(t.make(), { listener: big, dialer: big });
      let released = false;
      try {
        p.accepted.pause();
        // Send until send() makes us wait (the paused receiver's buffers are full), then 200 more.
        let total = 0;
        let blockedAt = -1;
        while (blockedAt === -1 || total < blockedAt + 200) {
          const pending = p.dialer.send({ kind: 'RetrieveMessage', sequence: total++ });
          let done = false;
          void pending.then(() => (done = true));
          await Promise.resolve();
          if (!done && blockedAt === -1) {
            blockedAt = total;
            assert.equal(p.atListener.length, 0);
            // Read in bursts: resume, let some through, pause again, until all arrived.
            void (async () => {
              while (!released) {
                const before = p.atListener.length;
                p.accepted.resume();
                await waitFor(() => p.atListener.length > before || released, 'progress');
                p.accepted.pause();
              }
              p.accepted.resume();
            })();
          }
          await pending;
        }
        await waitFor(() => p.atListener.length === total, 'every command');
        released = true;
        p.atListener.forEach((c, i) => assert.deepEqual(c, { kind: 'RetrieveMessage', sequence: i }));
      } finally {
        released = true;
        await p.close();
      }
    });

    it('carries thousands of packets intact through a busy link\'s send ring into a reused receive buffer', async () => {
      const p = await connectPair(t.make());
      try {
        p.accepted.reuseReceiveBuffer();
        const got: Uint8Array[] = [];
        p.accepted.on('command', (cmd) => {
          if (cmd.kind === 'SendPacket') got.push(cmd.packet.slice()); // valid only during the listener
        });
        const make = (i: number): Uint8Array => {
          const b = new Uint8Array(200).fill(i & 0xff);
          new DataView(b.buffer).setUint32(0, i);
          return b;
        };
        const total = 3000; // past SEND_RING_AFTER_FRAMES (1024), and bursts larger than the ring
        for (let i = 0; i < total; i++) {
          p.dialer.sendNow({ kind: 'SendPacket', packet: make(i) });
          if (i % 400 === 399) await new Promise((r) => setImmediate(r));
        }
        await waitFor(() => got.length === total, 'every packet');
        got.forEach((b, i) => assert.deepEqual(b, make(i), `packet ${i}`));
      } finally {
        await p.close();
      }
    });

    it('refuses to queue beyond maxQueuedBytes and counts the drop', async () => {
      const p = await connectPair(t.make(), { dialer: { maxQueuedBytes: 4 * FRAME_BYTES } });
      try {
        p.accepted.pause();
        let refused: Error | null = null;
        for (let i = 0; i < 100_000 && refused === null; i++) {
          p.dialer.send({ kind: 'RetrieveMessage', sequence: i }).catch((e: Error) => (refused = e));
          await new Promise((r) => setImmediate(r));
        }
        assert.equal(refused!.name, 'LinkError');
        assert.equal((refused as unknown as { reason: string }).reason, 'send_queue_full');
        assert.ok((await p.dialerMetrics.value('strata_link_send_drops_total', 'reason', 'send_queue_full')) >= 1);
        p.accepted.resume();
      } finally {
        await p.close();
      }
    });

    it('delivers a close to the peer as peer_disconnect and refuses later sends', async () => {
      const p = await connectPair(t.make());
      try {
        const closed = new Promise<LinkCloseInfo>((r) => p.accepted.once('close', r));
        p.dialer.close();
        assert.equal((await closed).reason, 'peer_disconnect');
        await assert.rejects(p.dialer.send({ kind: 'NoOp' }), { name: 'LinkError', reason: 'closed' });
        await assert.rejects(p.accepted.send({ kind: 'NoOp' }), { name: 'LinkError', reason: 'closed' });
      } finally {
        await p.close();
      }
    });

    it('delivers what arrived before the peer vanished without Disconnect, then closes as peer_closed', async () => {
      const p = await connectPair(t.make());
      try {
        const closed = new Promise<LinkCloseInfo>((r) => p.accepted.once('close', r));
        await p.dialer.send({ kind: 'RetrieveMessage', sequence: 1 });
        const stream = (p.dialer as unknown as { port: { stream: import('node:stream').Duplex } }).port.stream;
        stream.end(); // the dialer's end goes away without Disconnect
        assert.equal((await closed).reason, 'peer_closed');
        assert.deepEqual(p.atListener, [{ kind: 'RetrieveMessage', sequence: 1 }]);
        await assert.rejects(p.accepted.send({ kind: 'NoOp' }), { name: 'LinkError', reason: 'closed' });
      } finally {
        await p.close();
      }
    });

    it('rejects a command larger than the frame without closing', async () => {
      const p = await connectPair(t.make());
      try {
        await assert.rejects(p.dialer.send({ kind: 'SendPacket', packet: packet(1, FRAME_BYTES) }), {
          name: 'LinkError',
          reason: 'command_too_large',
        });
        await p.dialer.send({ kind: 'SendPacket', packet: packet(2, 10) });
        await waitFor(() => p.atListener.length === 1, 'next command');
      } finally {
        await p.close();
      }
    });
  });
}
