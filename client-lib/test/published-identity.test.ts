import assert from 'node:assert/strict';
import { nodeBackend } from '../src/crypto-node.js';
import { generateIdentity } from '../src/identity.js';
import { identityHandle, identityRotationBytes, identityStatementBytes, parsePublishedIdentity, publishIdentityRequest } from '../src/published-identity.js';
import * as provider from '../../provider/src/identity-registry.js';
import { identityFromSecrets } from '../src/identity.js';
import { seededBytes } from './helpers.js';

const alice = identityFromSecrets(seededBytes(32, 1), seededBytes(32, 2));
const rekeyed = identityFromSecrets(seededBytes(32, 3), seededBytes(32, 4));

/** What the provider answers to a lookup of `handle` after `req` was published (provider.md §10). */
function answer(req: Record<string, unknown>): Record<string, unknown> {
  return { handle: req.handle, ed25519: req.ed25519, x25519: req.x25519, publishedAtMs: req.publishedAtMs, signature: req.signature, rotationSignature: req.rotationSignature ?? null };
}

describe('published identity', () => {
  it('derives one stable handle per key pair, different for other keys', () => {
    assert.deepEqual(identityHandle(alice), identityHandle({ ed25519PublicKey: alice.ed25519PublicKey, x25519PublicKey: alice.x25519PublicKey }));
    assert.notDeepEqual(identityHandle(alice), identityHandle(rekeyed));
    assert.equal(identityHandle(alice).length, 32);
  });

  it('encodes handle, statement and rotation bytes exactly as the provider verifies them', () => {
    const h = identityHandle(alice);
    assert.deepEqual(Buffer.from(h), provider.identityHandle(alice.ed25519PublicKey, alice.x25519PublicKey));
    const st = identityStatementBytes(h, rekeyed, 1_700_000_000_123);
    assert.deepEqual(Buffer.from(st), provider.identityStatementBytes(h, rekeyed.ed25519PublicKey, rekeyed.x25519PublicKey, 1_700_000_000_123));
    assert.deepEqual(Buffer.from(identityRotationBytes(st)), provider.identityRotationBytes(st));
  });

  it('accepts a lookup answer signed by the served key, and notes a rotation', () => {
    const h = identityHandle(alice);
    const own = parsePublishedIdentity(answer(publishIdentityRequest(alice, h, 1000, undefined, nodeBackend)), h, nodeBackend);
    assert.deepEqual(own.keys.ed25519PublicKey, alice.ed25519PublicKey);
    assert.equal(own.publishedAtMs, 1000);
    assert.equal(own.rotated, false);
    const rot = parsePublishedIdentity(answer(publishIdentityRequest(rekeyed, h, 2000, alice, nodeBackend)), h, nodeBackend);
    assert.deepEqual(rot.keys.x25519PublicKey, rekeyed.x25519PublicKey);
    assert.equal(rot.rotated, true);
  });

  it('refuses an answer for another handle, with a swapped key, or a signature that does not verify', () => {
    const h = identityHandle(alice);
    const good = answer(publishIdentityRequest(alice, h, 1000));
    assert.throws(() => parsePublishedIdentity(good, identityHandle(rekeyed)), { name: 'ProviderApiError', reason: 'bad-response' });
    // a provider substituting keys cannot reuse the owner's signature
    const swapped = { ...good, x25519: publishIdentityRequest(rekeyed, h, 1000).x25519 };
    assert.throws(() => parsePublishedIdentity(swapped, h), { name: 'ProviderApiError', reason: 'bad-signature' });
    assert.throws(() => parsePublishedIdentity({ ...good, publishedAtMs: 1001 }, h), { name: 'ProviderApiError', reason: 'bad-signature' });
  });

  it('refuses malformed answers with bad-response, never a crash', () => {
    const h = identityHandle(alice);
    const good = answer(publishIdentityRequest(alice, h, 1000));
    for (const bad of [{}, { ...good, ed25519: 'AA' }, { ...good, x25519: 42 }, { ...good, signature: '!!' }, { ...good, publishedAtMs: -1 }, { ...good, publishedAtMs: '1000' }]) {
      assert.throws(() => parsePublishedIdentity(bad, h), { name: 'ProviderApiError', reason: 'bad-response' });
    }
  });

  it('signs with the portable backend as with the node backend', () => {
    const id = generateIdentity();
    const h = identityHandle(id);
    assert.deepEqual(publishIdentityRequest(id, h, 5), publishIdentityRequest(id, h, 5, undefined, nodeBackend));
  });
});
