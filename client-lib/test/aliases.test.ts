import assert from 'node:assert/strict';
import { aliasEpochAt, epochsToRegister, inboundAlias, outboundAlias, ownedRequestAlias, ownedServiceAlias, pairKey, requestAliasId } from '../src/aliases.js';
import { bytesToHex } from '../src/bytes.js';
import { nodeBackend } from '../src/crypto-node.js';
import { generateIdentity, identityFromSecrets } from '../src/identity.js';
import { seededBytes } from './helpers.js';

describe('aliases', () => {
  const alice = identityFromSecrets(seededBytes(32, 21), seededBytes(32, 22));
  const bob = identityFromSecrets(seededBytes(32, 23), seededBytes(32, 24));
  const carol = identityFromSecrets(seededBytes(32, 25), seededBytes(32, 26));

  it('gives both contacts the same pair key, on either backend', () => {
    assert.deepEqual(pairKey(alice, bob), pairKey(bob, alice));
    assert.deepEqual(pairKey(alice, bob), pairKey(alice, bob, nodeBackend));
  });

  it('lets the sender address exactly the alias the recipient registers', () => {
    const kAB = pairKey(alice, bob);
    const sent = outboundAlias(kAB, alice, bob, 7);
    const registered = inboundAlias(pairKey(bob, alice), bob, alice, 7);
    assert.deepEqual(sent.id, registered.id);
    assert.equal(registered.id.length, 32);
  });

  it('uses a different alias for each direction, each epoch and each contact', () => {
    const ids = new Set<string>();
    for (const [self, peer] of [[alice, bob], [bob, alice], [alice, carol], [carol, alice], [bob, carol]] as const) {
      for (const epoch of [0, 1, 2]) ids.add(bytesToHex(outboundAlias(pairKey(self, peer), self, peer, epoch).id));
    }
    assert.equal(ids.size, 15);
  });

  it('gives each alias its own signing key that only the recipient can derive', () => {
    const a = inboundAlias(pairKey(bob, alice), bob, alice, 3);
    const b = inboundAlias(pairKey(bob, carol), bob, carol, 3);
    const c = inboundAlias(pairKey(bob, alice), bob, alice, 4);
    assert.notDeepEqual(a.signingPublicKey, b.signingPublicKey);
    assert.notDeepEqual(a.signingPublicKey, c.signingPublicKey);
    assert.notDeepEqual(a.accountPublicKey, b.accountPublicKey);
    assert.notDeepEqual(a.accountPublicKey, a.signingPublicKey);
    // the same derivation run with the sender's secret gives another key: the sender cannot poll
    const forged = inboundAlias(pairKey(alice, bob), { ...bob, x25519SecretKey: alice.x25519SecretKey }, alice, 3);
    assert.deepEqual(forged.id, a.id);
    assert.notDeepEqual(forged.signingSeed, a.signingSeed);
  });

  it('derives the same owned alias on the node backend', () => {
    const p = inboundAlias(pairKey(bob, alice), bob, alice, 9);
    const n = inboundAlias(pairKey(bob, alice, nodeBackend), bob, alice, 9, nodeBackend);
    assert.deepEqual(p.signingPublicKey, n.signingPublicKey);
  });

  it('computes the request alias from the address keys, unlike any pairwise alias', () => {
    const owned = ownedRequestAlias(bob, 5);
    assert.deepEqual(owned.id, requestAliasId({ ed25519PublicKey: bob.ed25519PublicKey, x25519PublicKey: bob.x25519PublicKey }, 5));
    assert.notDeepEqual(owned.id, requestAliasId(bob, 6));
    assert.notDeepEqual(owned.id, inboundAlias(pairKey(bob, alice), bob, alice, 5).id);
  });

  it('numbers epochs by rotation period and registers the grace, current and next epochs', () => {
    const day = 24 * 3600 * 1000;
    assert.equal(aliasEpochAt(0), 0);
    assert.equal(aliasEpochAt(day * 10 + 5), 10);
    assert.deepEqual(epochsToRegister(day * 10 + 5), [9, 10, 11]);
    assert.deepEqual(epochsToRegister(5), [0, 1]);
    assert.deepEqual(epochsToRegister(day * 10, day, 2), [8, 9, 10, 11]);
  });

  it('refuses a negative epoch and a low-order contact key', () => {
    assert.throws(() => outboundAlias(pairKey(alice, bob), alice, bob, -1), { name: 'InvalidArgumentError' });
    assert.throws(() => pairKey(alice, { ...bob, x25519PublicKey: new Uint8Array(32) }), { name: 'EnvelopeError', reason: 'key' });
    assert.throws(() => pairKey(alice, { ...bob, x25519PublicKey: new Uint8Array(32) }, nodeBackend), { name: 'EnvelopeError', reason: 'key' });
  });
});

describe('ownedServiceAlias', () => {
  it('gives distinct, deterministic loop and ack aliases per epoch, unlinkable to the request alias', () => {
    const me = generateIdentity();
    const loop = ownedServiceAlias(me, 'loop', 5);
    assert.deepEqual(ownedServiceAlias(me, 'loop', 5).id, loop.id);
    const ids = [loop.id, ownedServiceAlias(me, 'ack', 5).id, ownedServiceAlias(me, 'loop', 6).id, ownedRequestAlias(me, 5).id].map((x) => Buffer.from(x).toString('hex'));
    assert.equal(new Set(ids).size, 4);
    assert.notDeepEqual(loop.signingPublicKey, ownedServiceAlias(me, 'ack', 5).signingPublicKey);
    assert.throws(() => ownedServiceAlias(me, 'other' as 'loop', 5), { name: 'InvalidArgumentError' });
  });
});
