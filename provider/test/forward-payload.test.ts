import assert from 'node:assert/strict';
import { DEFAULT_GEOMETRY as g } from 'sphinx-packet-ts';
import { decodeForwardPayload, encodeForwardPayload, joinSurbReplyEntries, surbReplyEntries } from '../src/forward-payload.js';

describe('forward payload', () => {
  const body = new Uint8Array(g.userForwardPayloadLength).fill(7);
  const surb = new Uint8Array(g.surbLength).fill(3);

  it('round-trips a payload with a SURB-ACK and one without', () => {
    const withAck = decodeForwardPayload(encodeForwardPayload(surb, body, g.surbLength), g.surbLength, body.length);
    assert.deepEqual(withAck.surb, surb);
    assert.deepEqual(withAck.body, body);
    assert.equal(withAck.badFlags, false);
    assert.equal(decodeForwardPayload(encodeForwardPayload(null, body, g.surbLength), g.surbLength, body.length).surb, null);
  });

  it('marks unknown flags and then offers no SURB', () => {
    const p = encodeForwardPayload(surb, body, g.surbLength);
    p[0] |= 0x80;
    const d = decodeForwardPayload(p, g.surbLength, body.length);
    assert.equal(d.badFlags, true);
    assert.equal(d.surb, null);
  });

  it('rejects a payload of the wrong length with ProviderValidationError', () => {
    assert.throws(() => decodeForwardPayload(new Uint8Array(10), g.surbLength, body.length), { name: 'ProviderValidationError', reason: 'payload_length' });
  });

  it('splits a SURB reply into entries of the dropbox size and joins them in any order', () => {
    const reply = Uint8Array.from({ length: 32 + g.forwardPayloadLength }, (_, i) => i & 0xff);
    const id = new Uint8Array(16).fill(9);
    const entries = surbReplyEntries(id, reply, 2000);
    assert.equal(entries.length, 2);
    assert.ok(entries.every((e) => e.length === 2000));
    const j = joinSurbReplyEntries([entries[1], entries[0]], reply.length);
    assert.deepEqual(j.reply, reply);
    assert.deepEqual(j.surbId, id);
  });

  it('refuses to join a SURB reply with a part missing', () => {
    const entries = surbReplyEntries(new Uint8Array(16), new Uint8Array(2606), 2000);
    assert.throws(() => joinSurbReplyEntries([entries[0]], 2606), { name: 'ProviderValidationError', reason: 'surb_reply' });
  });
});
