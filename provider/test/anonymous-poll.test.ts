import assert from 'node:assert/strict';
import { DEFAULT_GEOMETRY as g } from 'sphinx-packet-ts';
import { anonymousPollEntries, decodeAnonymousPoll, encodeAnonymousPoll, maxAnonymousAckIds } from '../src/anonymous-poll.js';
import { ed25519PublicKey, generateEd25519KeyPair, listDigest, requestSigningBytes } from '../src/request-signing.js';
import { verify } from 'node:crypto';
import { pollResponseBytes } from '../src/poll-response.js';

describe('anonymous poll', () => {
  const alias = new Uint8Array(32).fill(1);
  const device = new Uint8Array(32).fill(2);
  const key = generateEd25519KeyPair();

  it('carries a poll signature over (alias, device) and an optional signed ack list', () => {
    const ids = [new Uint8Array(8).fill(4), new Uint8Array(8).fill(5)];
    const body = encodeAnonymousPoll(alias, key.privateKey, device, g.userForwardPayloadLength, { ackIds: ids, timestampMs: 1234 });
    assert.equal(body.length, g.userForwardPayloadLength);
    const r = decodeAnonymousPoll(body);
    assert.deepEqual(r.alias, alias);
    assert.equal(r.timestampMs, 1234);
    const pub = ed25519PublicKey(key.publicKey);
    assert.ok(verify(null, requestSigningBytes('poll', [alias, device], 1234, r.nonce), pub, r.signature));
    assert.deepEqual(r.ack!.ids, ids);
    assert.ok(verify(null, requestSigningBytes('ack', [alias, device, listDigest(ids)], 1234, r.ack!.nonce), pub, r.ack!.signature));
  });

  it('rejects a body with a bad magic with ProviderValidationError', () => {
    const body = encodeAnonymousPoll(alias, key.privateKey, device, 400);
    body[0] ^= 1;
    assert.throws(() => decodeAnonymousPoll(body), { name: 'ProviderValidationError', reason: 'anonymous_poll' });
  });

  it('rejects a truncated ack list', () => {
    const body = encodeAnonymousPoll(alias, key.privateKey, device, 400, { ackIds: [new Uint8Array(8)] });
    assert.throws(() => decodeAnonymousPoll(body.subarray(0, 200)), { name: 'ProviderValidationError' });
  });

  it('fits as many poll entries as the SURB reply holds, at least one', () => {
    const k = anonymousPollEntries(g.forwardPayloadLength, g.userForwardPayloadLength);
    assert.equal(k, 1);
    assert.ok(pollResponseBytes(k, g.userForwardPayloadLength) <= g.forwardPayloadLength);
    assert.ok(maxAnonymousAckIds(g.userForwardPayloadLength) > 200);
  });
});
