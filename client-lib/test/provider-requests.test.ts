import assert from 'node:assert/strict';
import { listDigest, requestSigningBytes, encodeU64 } from '@strata/core/provider-protocol';
import { nodeBackend } from '../src/crypto-node.js';
import { b64url, signedAck, signedPoll, signedRegisterAlias, signedRegisterDevice, signedRegisterSurbs } from '../src/provider-requests.js';

const key = (i: number) => {
  const seed = new Uint8Array(32).fill(i);
  return { seed, publicKey: nodeBackend.ed25519PublicKey(seed) };
};
const dec = (s: unknown) => new Uint8Array(Buffer.from(String(s), 'base64url'));
const CTX = { backend: nodeBackend, nowMs: 1_700_000_000_000, nonce: new Uint8Array(16).fill(3) };

describe('provider-requests', () => {
  it('signs a device registration with both keys over the provider.md §2 bytes', () => {
    const account = key(1);
    const device = key(2);
    const body = signedRegisterDevice(account, device, CTX);
    const msg = requestSigningBytes('register-device', [account.publicKey, device.publicKey], CTX.nowMs, CTX.nonce);
    assert.ok(nodeBackend.ed25519Verify(dec(body.accountSignature), msg, account.publicKey));
    assert.ok(nodeBackend.ed25519Verify(dec(body.deviceSignature), msg, device.publicKey));
    assert.equal(body.nonce, b64url(CTX.nonce));
  });

  it('signs alias registration, poll, ack and SURB registration with the alias key', () => {
    const alias = new Uint8Array(32).fill(9);
    const aliasKey = key(3);
    const account = key(4);
    const device = key(5).publicKey;
    const ids = [new Uint8Array(8).fill(1)];
    const surbIds = [new Uint8Array(16).fill(2)];
    const cases: [Record<string, unknown>, string, Uint8Array][] = [
      [signedRegisterAlias(alias, aliasKey, account, CTX), 'aliasSignature', requestSigningBytes('register-alias', [alias, aliasKey.publicKey, account.publicKey], CTX.nowMs, CTX.nonce)],
      [signedPoll(alias, aliasKey, device, CTX), 'signature', requestSigningBytes('poll', [alias, device], CTX.nowMs, CTX.nonce)],
      [signedAck(alias, aliasKey, device, ids, CTX), 'signature', requestSigningBytes('ack', [alias, device, listDigest(ids)], CTX.nowMs, CTX.nonce)],
      [signedRegisterSurbs(alias, aliasKey, surbIds, 5, CTX), 'signature', requestSigningBytes('register-surbs', [alias, listDigest(surbIds), encodeU64(5)], CTX.nowMs, CTX.nonce)],
    ];
    for (const [body, field, msg] of cases) assert.ok(nodeBackend.ed25519Verify(dec(body[field]), msg, aliasKey.publicKey), field);
  });

  it('uses a fresh random nonce per request unless one is given', () => {
    const a = signedPoll(new Uint8Array(32), key(1), new Uint8Array(32), { backend: nodeBackend });
    const b = signedPoll(new Uint8Array(32), key(1), new Uint8Array(32), { backend: nodeBackend });
    assert.notEqual(a.nonce, b.nonce);
  });

  it('refuses wrong lengths and too many ids by name', () => {
    assert.throws(() => signedPoll(new Uint8Array(31), key(1), new Uint8Array(32)), { name: 'InvalidArgumentError' });
    assert.throws(() => signedAck(new Uint8Array(32), key(1), new Uint8Array(32), Array.from({ length: 1025 }, () => new Uint8Array(8))), { name: 'InvalidArgumentError' });
    assert.throws(() => signedRegisterSurbs(new Uint8Array(32), key(1), [new Uint8Array(8)], 1), { name: 'InvalidArgumentError' });
  });

  it('encodes binary fields as unpadded base64url', () => {
    assert.equal(b64url(new Uint8Array([0xfb, 0xff])), '-_8');
  });
});

describe('signedRegisterDevice with a link key', () => {
  it('adds the link key as a third signed field', () => {
    const account = key(1);
    const device = key(2);
    const linkKey = new Uint8Array(32).fill(7);
    const body = signedRegisterDevice(account, device, CTX, linkKey);
    assert.equal(body.linkKey, b64url(linkKey));
    const msg = requestSigningBytes('register-device', [account.publicKey, device.publicKey, linkKey], CTX.nowMs, CTX.nonce);
    assert.ok(nodeBackend.ed25519Verify(dec(body.accountSignature), msg, account.publicKey));
    assert.ok(nodeBackend.ed25519Verify(dec(body.deviceSignature), msg, device.publicKey));
  });
});
