import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '../src/client.js';
import { encodeAddress } from '../src/address.js';
import { generateIdentity } from '../src/identity.js';
import { ProviderHttp, nodeIdOfIdentityKey } from '../src/provider-http.js';
import { identityHandle, parsePublishedIdentity, LOOKUP_IDENTITY_PATH } from '../src/published-identity.js';
import { b64url } from '../src/provider-requests.js';
import { TEST_SCRYPT, makeTempDir } from './helpers.js';
import { startProvider, type RunningProvider } from './net-fixtures.js';

// Two real provider processes (dropboxes and API; no mixnet: key publication and lookup are plain
// HTTPS). The listed authority does not answer, so the clients never send: they register, publish,
// poll and check keys, which is all this suite is about.
const DEAD_AUTHORITY = [{ url: 'http://127.0.0.1:9', identityKey: '00'.repeat(32) }];

describe('Client: keys published at the provider, checked by contacts (real provider processes)', function () {
  this.timeout(60_000);
  let tmp: ReturnType<typeof makeTempDir>;
  let p1: RunningProvider;
  let p2: RunningProvider;
  let alice: Client;
  let bob: Client;
  let carol: Client;
  const opts = (name: string) => ({ dataDir: join(tmp.dir, name), passphrase: `pass-${name}`, scrypt: TEST_SCRYPT, pollIntervalMs: 200 });
  const boot = (p: RunningProvider, name: string) => Client.bootstrap(p.url, { ...opts(name), providerNodeId: nodeIdOfIdentityKey(p.identityKey) });

  before(async () => {
    tmp = makeTempDir();
    mkdirSync(join(tmp.dir, 'p1'));
    mkdirSync(join(tmp.dir, 'p2'));
    [p1, p2] = await Promise.all([startProvider(join(tmp.dir, 'p1'), { authorities: DEAD_AUTHORITY }), startProvider(join(tmp.dir, 'p2'), { authorities: DEAD_AUTHORITY })]);
    [alice, bob, carol] = await Promise.all([boot(p1, 'alice'), boot(p1, 'bob'), boot(p2, 'carol')]);
  });

  after(async () => {
    await Promise.all([alice?.close(), bob?.close(), carol?.close()]);
    await Promise.all([p1?.stop(), p2?.stop()]);
    tmp?.remove();
  });

  it('publishes its keys at its provider when it registers', async () => {
    const http = new ProviderHttp(p1.url);
    try {
      await http.wellKnown(nodeIdOfIdentityKey(p1.identityKey));
      const handle = identityHandle(alice.identity);
      const got = parsePublishedIdentity(await http.postJson(LOOKUP_IDENTITY_PATH, { handle: b64url(handle) }), handle);
      assert.deepEqual(got.keys.ed25519PublicKey, alice.identity.ed25519PublicKey);
      assert.deepEqual(got.keys.x25519PublicKey, alice.identity.x25519PublicKey);
    } finally {
      http.close();
    }
  });

  it('adds a contact by address, pins its keys and records that its provider confirmed them', async () => {
    const { contact, check } = await bob.addContact(alice.address, 'alice');
    assert.equal(check, 'confirmed');
    assert.equal(contact.trust, 'unverified');
    assert.ok(contact.providerConfirmedAtMs !== undefined);
  });

  it('checks a contact at another provider against that provider (its node id proven by the signed well-known)', async () => {
    const { contact, check } = await bob.addContact(carol.address, 'carol');
    assert.equal(check, 'confirmed');
    assert.equal(contact.address.provider.url, p2.url);
  });

  it('reports keys nobody published as unpublished and changes nothing', async () => {
    const stranger = generateIdentity();
    const address = encodeAddress({ ...stranger, provider: { url: p1.url, nodeId: nodeIdOfIdentityKey(p1.identityKey) } });
    const { contact, check } = await bob.addContact(address, 'stranger');
    assert.equal(check, 'unpublished');
    assert.equal(contact.trust, 'unverified');
    assert.equal(contact.providerConfirmedAtMs, undefined);
  });

  it('flags a contact who re-keyed: its provider now publishes other keys under the pinned handle', async () => {
    const aliceId = bob.contacts.list().find((c) => c.name === 'alice')!.id;
    const oldEd = alice.identity.ed25519PublicKey;
    await alice.close();
    const fresh = await Client.rotateIdentity(opts('alice').dataDir, opts('alice').passphrase);
    alice = await Client.open(opts('alice').dataDir, opts('alice').passphrase, { pollIntervalMs: 200 }); // publishes again at start
    assert.deepEqual(alice.identity.ed25519PublicKey, fresh.ed25519PublicKey);
    const [check] = await bob.checkContactKeys(aliceId);
    assert.deepEqual(check, { contactId: aliceId, result: 'changed' });
    const flagged = bob.contacts.get(aliceId)!;
    assert.equal(flagged.trust, 'key-changed');
    assert.equal(flagged.keyChange?.source, 'provider');
    assert.deepEqual(flagged.keyChange?.keys.ed25519PublicKey, fresh.ed25519PublicKey);
    // The pinned keys stay in force until the user decides.
    assert.deepEqual(flagged.keys.ed25519PublicKey, oldEd);
    assert.equal(bob.contacts.allowed(fresh.ed25519PublicKey), undefined);
    // Accepted: the new keys are pinned, and the provider confirms them from then on.
    await bob.contacts.acceptKeyChange(aliceId);
    assert.deepEqual(await bob.checkContactKeys(aliceId), [{ contactId: aliceId, result: 'confirmed' }]);
    assert.equal(bob.contacts.get(aliceId)!.trust, 'unverified');
  });

  it('flags a second re-key too (the newest keys are countersigned by the ones the old handle holds)', async () => {
    const carolAtBob = bob.contacts.list().find((c) => c.name === 'carol')!.id;
    await carol.close();
    await Client.rotateIdentity(opts('carol').dataDir, opts('carol').passphrase);
    carol = await Client.open(opts('carol').dataDir, opts('carol').passphrase, { pollIntervalMs: 200 });
    assert.equal((await bob.checkContactKeys(carolAtBob))[0].result, 'changed');
    await carol.close();
    const third = await Client.rotateIdentity(opts('carol').dataDir, opts('carol').passphrase);
    carol = await Client.open(opts('carol').dataDir, opts('carol').passphrase, { pollIntervalMs: 200 });
    assert.equal((await bob.checkContactKeys(carolAtBob))[0].result, 'changed');
    assert.deepEqual(bob.contacts.get(carolAtBob)!.keyChange?.keys.ed25519PublicKey, third.ed25519PublicKey);
  });

  it('refuses to check a contact it does not have', async () => {
    await assert.rejects(bob.checkContactKeys('00'.repeat(16)), { name: 'ClientError', reason: 'unknown-contact' });
  });
});
