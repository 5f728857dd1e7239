import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DropboxStore } from '../src/dropbox-store.js';
import { generateEd25519KeyPair } from '../src/request-signing.js';
import { SurbRegistry } from '../src/surb-registry.js';
import { aliasId, tempDir } from './helpers.js';

const surbId = (i: number) => new Uint8Array(16).fill(i);

describe('SurbRegistry', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: DropboxStore;
  let surbs: SurbRegistry;
  let now: number;
  const account = generateEd25519KeyPair().publicKey;

  const openAll = () => {
    store = DropboxStore.open({ path: join(dir.path, 'db'), messageBytes: 32, pollEntries: 2, ttlMs: 10_000, aliasQuotaMessages: 5, maxAliasesPerAccount: 5, maxDevicesPerAccount: 2, maxCommitBatch: 64, now: () => now });
    surbs = new SurbRegistry(store.env, store.commit, { maxSurbsPerAlias: 3, maxLifetimeMs: 10_000, aliasExists: (a) => store.aliasInfo(a) !== undefined, now: () => now });
  };

  beforeEach(async () => {
    now = 1_800_000_000_000;
    dir = tempDir();
    openAll();
    await store.registerDevice(account, generateEd25519KeyPair().publicKey);
    await store.registerAlias(aliasId(1), generateEd25519KeyPair().publicKey, account);
    await store.registerAlias(aliasId(2), generateEd25519KeyPair().publicKey, account);
  });
  afterEach(async () => {
    await store.close();
    dir.remove();
  });

  it('maps a registered SURB id to its alias until it expires', async () => {
    assert.deepEqual(await surbs.register(aliasId(1), [surbId(1), surbId(2)], now + 5000), { registered: 2 });
    assert.deepEqual(Buffer.from(surbs.lookup(surbId(2))!), aliasId(1));
    assert.equal(surbs.lookup(surbId(3)), undefined);
    now += 5000;
    assert.equal(surbs.lookup(surbId(1)), undefined);
    assert.equal(await surbs.sweepExpired(), 2);
    assert.equal(surbs.countFor(aliasId(1)), 0);
  });

  it('forgets a released SURB id and survives a reopen', async () => {
    await surbs.register(aliasId(1), [surbId(1), surbId(2)], now + 5000);
    assert.equal(await surbs.release(surbId(1)), true);
    assert.equal(await surbs.release(surbId(1)), false);
    await store.close();
    openAll();
    assert.equal(surbs.lookup(surbId(1)), undefined);
    assert.deepEqual(Buffer.from(surbs.lookup(surbId(2))!), aliasId(1));
    assert.equal(surbs.countFor(aliasId(1)), 1);
  });

  it('refuses an id owned by another alias, an unknown alias, a lifetime beyond the TTL and the quota', async () => {
    await surbs.register(aliasId(1), [surbId(1)], now + 5000);
    await assert.rejects(surbs.register(aliasId(2), [surbId(1)], now + 5000), { name: 'ConflictError', reason: 'surb_id_taken' });
    await assert.rejects(surbs.register(aliasId(9), [surbId(5)], now + 5000), { name: 'UnknownAliasError' });
    await assert.rejects(surbs.register(aliasId(1), [surbId(5)], now + 10_001), { name: 'ProviderValidationError' });
    await assert.rejects(surbs.register(aliasId(1), [surbId(2), surbId(3), surbId(4)], now + 5000), { name: 'QuotaExceededError', reason: 'surb_quota' });
    assert.equal(surbs.lookup(surbId(2)), undefined, 'a refused request writes nothing');
    assert.deepEqual(await surbs.register(aliasId(1), [surbId(1), surbId(2)], now + 5000), { registered: 1 });
  });

  it('counts no expired id against the quota: an alias at its quota sweeps its expired ids before refusing', async () => {
    await surbs.register(aliasId(1), [surbId(1), surbId(2), surbId(3)], now + 1000);
    now += 1000; // all three expired, the periodic sweep has not run
    assert.deepEqual(await surbs.register(aliasId(1), [surbId(4), surbId(5)], now + 5000), { registered: 2 });
    assert.equal(surbs.countFor(aliasId(1)), 2);
    assert.equal(surbs.lookup(surbId(1)), undefined);
    // Live ids still count: the quota holds.
    await assert.rejects(surbs.register(aliasId(1), [surbId(6), surbId(7)], now + 5000), { name: 'QuotaExceededError', reason: 'surb_quota' });
  });
});
