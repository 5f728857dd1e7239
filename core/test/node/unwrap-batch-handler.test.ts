import assert from 'node:assert/strict';
import { createPacket, DEFAULT_GEOMETRY as g, generateNodeKeyPair, type PathHop } from 'sphinx-packet-ts';
import { batchSlotOffset, createHandler } from '../../src/node/unwrap-batch-handler.js';
import { createHandler as createOneHandler, specOfGeometry } from '../../src/node/unwrap-handler.js';

describe('unwrap batch handler', () => {
  const key = generateNodeKeyPair();
  const next = generateNodeKeyPair();
  const path = (delayMs: number, last = false): PathHop[] => [
    { id: new Uint8Array(32).fill(1), publicKey: key.publicKey, commands: last ? [{ type: 'recipient', id: new Uint8Array(32).fill(9) }] : [{ type: 'nodeDelay', delayMs }] },
    ...(last ? [] : [{ id: new Uint8Array(32).fill(2), publicKey: next.publicKey, commands: [{ type: 'recipient' as const, id: new Uint8Array(32) }] }]),
  ];
  const init = { geometry: specOfGeometry(g) };
  const control = { keys: [{ epoch: 5, privateKey: key.privateKey }] };

  function batchOf(packets: Uint8Array[]): ArrayBuffer {
    const buf = new Uint8Array(packets.length * g.packetLength);
    packets.forEach((p, i) => buf.set(p, i * g.packetLength));
    return buf.buffer;
  }

  it('packs each forward hop exactly as the one-packet handler unwraps it', () => {
    const h = createHandler(init);
    const one = createOneHandler(init);
    h.control!(control);
    one.control!(control);
    const packets = [createPacket(g, path(12), new Uint8Array(g.forwardPayloadLength)), createPacket(g, path(0), new Uint8Array(g.forwardPayloadLength))];
    const input = batchOf(packets);
    const { result, transfer } = h.run({ packets: input, count: 2 });
    assert.deepEqual(transfer, [result.buf, input]); // the input goes back for reuse
    assert.equal(result.packets, input);
    assert.equal(result.special.length, 0);
    const head = new Float64Array(result.buf, 0, 4);
    packets.forEach((p, i) => {
      const want = one.run({ packet: p.slice().buffer }).result;
      assert.ok(want.ok);
      const at = batchSlotOffset(2, i, g.packetLength);
      assert.equal(head[2 * i], 5);
      assert.equal(head[2 * i + 1], want.delayMs);
      assert.deepEqual(new Uint8Array(result.buf, at, 32), want.replayTag);
      assert.deepEqual(new Uint8Array(result.buf, at + 32, 32), want.nextHop);
      assert.deepEqual(new Uint8Array(result.buf, at + 64, g.packetLength), want.packet);
    });
  });

  it('hands back failures and final hops as whole outcomes, by index', () => {
    const h = createHandler(init);
    h.control!(control);
    const bad = createPacket(g, path(1), new Uint8Array(g.forwardPayloadLength));
    bad[77] ^= 1;
    const last = createPacket(g, path(0, true), new Uint8Array(g.forwardPayloadLength).fill(4));
    const ok = createPacket(g, path(3), new Uint8Array(g.forwardPayloadLength));
    const { result } = h.run({ packets: batchOf([bad, last, ok]), count: 3 });
    assert.deepEqual(result.special.map((s) => s.index), [0, 1]);
    assert.deepEqual(result.special[0].outcome, { ok: false, reason: 'mac' });
    const final = result.special[1].outcome;
    assert.ok(final.ok && final.nextHop === null);
    assert.deepEqual(final.recipient, new Uint8Array(32).fill(9));
  });

  it('refuses a buffer that does not hold count whole packets', () => {
    const h = createHandler(init);
    h.control!(control);
    assert.throws(() => h.run({ packets: new ArrayBuffer(2 * g.packetLength - 1), count: 2 }), { name: 'RangeError' });
    assert.throws(() => h.run({ packets: new ArrayBuffer(g.packetLength), count: 0 }), { name: 'RangeError' });
    assert.throws(() => h.run({ packets: new Uint8Array(g.packetLength) as unknown as ArrayBuffer, count: 1 }), { name: 'RangeError' });
  });
  it('writes into a result buffer handed in for reuse, and allocates one when it is too small', () => {
    const h = createHandler(init);
    h.control!(control);
    const packets = [createPacket(g, path(2), new Uint8Array(g.forwardPayloadLength))];
    const out = new ArrayBuffer(batchSlotOffset(8, 8, g.packetLength)); // room for a full batch
    const { result } = h.run({ packets: batchOf(packets), count: 1, out });
    assert.equal(result.buf, out);
    assert.equal(new Float64Array(out, 0, 2)[0], 5);
    const small = new ArrayBuffer(16);
    assert.notEqual(h.run({ packets: batchOf(packets), count: 1, out: small }).result.buf, small);
    // A new one is sized for every packet the input buffer can hold (reusable for a full batch).
    const roomy = new Uint8Array(8 * g.packetLength);
    roomy.set(packets[0]);
    assert.equal(h.run({ packets: roomy.buffer, count: 1 }).result.buf.byteLength, batchSlotOffset(8, 8, g.packetLength));
  });
});
