import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DropboxStore, type DropboxStoreOptions } from '../src/dropbox-store.js';
import { ProviderMetrics } from '../src/metrics.js';
import { decodePollResponse } from '../src/poll-response.js';
import { generateEd25519KeyPair } from '../src/request-signing.js';
import { aliasId, payloadFor, tempDir } from './helpers.js';

const BYTES = 48;
const DAY_MS = 24 * 3600 * 1000;

describe('DropboxStore', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: DropboxStore;
  let now: number;
  const account = generateEd25519KeyPair().publicKey;
  const phone = generateEd25519KeyPair().publicKey;
  const laptop = generateEd25519KeyPair().publicKey;
  const aliasKey = generateEd25519KeyPair().publicKey;
  const alias = aliasId(1);

  const openStore = (over: Partial<DropboxStoreOptions> = {}) =>
    DropboxStore.open({
      path: join(dir.path, 'db'),
      messageBytes: BYTES,
      pollEntries: 4,
      ttlMs: 7 * DAY_MS,
      aliasQuotaMessages: 10,
      maxAliasesPerAccount: 3,
      maxDevicesPerAccount: 2,
      maxCommitBatch: 256,
      now: () => now,
      ...over,
    });

  beforeEach(async () => {
    now = 1_800_000_000_000;
    dir = tempDir();
    store = openStore();
    await store.registerDevice(account, phone);
    await store.registerAlias(alias, aliasKey, account);
  });
  afterEach(async () => {
    await store.close();
    dir.remove();
  });

  it('stores a message and returns it to a poll of a registered device', async () => {
    const { id } = await store.store(alias, payloadFor(1, BYTES));
    const res = store.poll(alias, phone);
    assert.equal(res.entries.length, 1);
    assert.deepEqual(Buffer.from(res.entries[0].id), Buffer.from(id));
    assert.deepEqual(res.entries[0].payload, payloadFor(1, BYTES));
    assert.equal(res.more, false);
  });

  it('returns at most pollEntries messages, oldest first, and says there are more', async () => {
    for (let i = 0; i < 6; i++) await store.store(alias, payloadFor(i, BYTES));
    const res = store.poll(alias, phone);
    assert.deepEqual(res.entries.map((e) => Buffer.from(e.payload).readUInt32BE(0)), [0, 1, 2, 3]);
    assert.equal(res.more, true);
  });

  it('keeps a message until it is acknowledged, then removes it', async () => {
    const { id } = await store.store(alias, payloadFor(1, BYTES));
    assert.equal(store.poll(alias, phone).entries.length, 1);
    assert.equal(store.poll(alias, phone).entries.length, 1);
    assert.deepEqual(await store.ack(alias, phone, [id]), { acknowledged: 1, removed: 1 });
    assert.equal(store.poll(alias, phone).entries.length, 0);
    assert.equal(store.messageCount(alias), 0);
    assert.deepEqual(await store.ack(alias, phone, [id]), { acknowledged: 0, removed: 0 });
  });

  it('removes a message only when every device of the owner has acknowledged it', async () => {
    await store.registerDevice(account, laptop);
    const { id } = await store.store(alias, payloadFor(7, BYTES));
    assert.deepEqual(await store.ack(alias, phone, [id]), { acknowledged: 1, removed: 0 });
    assert.equal(store.poll(alias, phone).entries.length, 0, 'the phone does not see what it acknowledged');
    assert.equal(store.poll(alias, laptop).entries.length, 1, 'the laptop still gets it');
    assert.deepEqual(await store.ack(alias, laptop, [id]), { acknowledged: 1, removed: 1 });
    assert.equal(store.messageCount(alias), 0);
  });

  it('removes a message when two devices acknowledge it in the same batch', async () => {
    await store.registerDevice(account, laptop);
    const { id } = await store.store(alias, payloadFor(7, BYTES));
    const [a, b] = await Promise.all([store.ack(alias, phone, [id]), store.ack(alias, laptop, [id])]);
    assert.equal(a.removed + b.removed, 1);
    assert.equal(store.messageCount(alias), 0);
  });

  it('gives a device registered later the messages still waiting', async () => {
    const { id } = await store.store(alias, payloadFor(3, BYTES));
    await store.registerDevice(account, laptop);
    assert.deepEqual(await store.ack(alias, phone, [id]), { acknowledged: 1, removed: 0 });
    assert.equal(store.poll(alias, laptop).entries.length, 1);
  });

  it('delivers what the remaining devices acknowledged when a device is removed', async () => {
    await store.registerDevice(account, laptop);
    const acked = await store.store(alias, payloadFor(1, BYTES));
    await store.store(alias, payloadFor(2, BYTES));
    await store.ack(alias, phone, [acked.id]);
    await store.ack(alias, laptop, [(await store.store(alias, payloadFor(3, BYTES))).id]);
    assert.deepEqual(await store.removeDevice(account, laptop), { removed: true, delivered: 1 });
    assert.equal(store.messageCount(alias), 2, 'the unacknowledged message and the one only the laptop had stay');
    assert.throws(() => store.poll(alias, laptop), { name: 'UnknownDeviceError' });
    assert.deepEqual(store.poll(alias, phone).entries.map((e) => Buffer.from(e.payload).readUInt32BE(0)), [2, 3]);
    assert.deepEqual(await store.removeDevice(account, laptop), { removed: false, delivered: 0 });
    await assert.rejects(store.removeDevice(account, phone), { name: 'ConflictError', reason: 'last_device' });
  });

  it('refuses an unknown alias, an unregistered device and a payload of the wrong size', async () => {
    await assert.rejects(store.store(aliasId(99), payloadFor(1, BYTES)), { name: 'UnknownAliasError', reason: 'unknown_alias' });
    assert.throws(() => store.poll(alias, laptop), { name: 'UnknownDeviceError', reason: 'unknown_device' });
    await assert.rejects(store.ack(alias, laptop, []), { name: 'UnknownDeviceError' });
    await assert.rejects(store.store(alias, payloadFor(1, BYTES - 1)), { name: 'ProviderValidationError', reason: 'bad_length' });
  });

  it('enforces the per-alias quota with a clear error and frees room on ack', async () => {
    const ids = [];
    for (let i = 0; i < 10; i++) ids.push((await store.store(alias, payloadFor(i, BYTES))).id);
    await assert.rejects(store.store(alias, payloadFor(10, BYTES)), (e: Error & { reason?: string }) => e.name === 'QuotaExceededError' && e.reason === 'alias_quota' && /limit is 10/.test(e.message));
    await store.ack(alias, phone, [ids[0]]);
    await store.store(alias, payloadFor(11, BYTES));
  });

  it('counts quota against concurrent stores before they commit', async () => {
    const results = await Promise.allSettled(Array.from({ length: 15 }, (_, i) => store.store(alias, payloadFor(i, BYTES))));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 10);
    assert.equal(store.messageCount(alias), 10);
  });

  it('hides expired messages from polls and removes them at TTL', async () => {
    const metrics = new ProviderMetrics(() => store.dropboxSizes());
    await store.close();
    store = openStore({ metrics });
    await store.store(alias, payloadFor(1, BYTES));
    now += DAY_MS;
    await store.store(alias, payloadFor(2, BYTES));
    now += 6 * DAY_MS + 1; // the first message is now older than 7 days
    assert.deepEqual(store.poll(alias, phone).entries.map((e) => Buffer.from(e.payload).readUInt32BE(0)), [2]);
    assert.equal(await store.sweepExpired(), 1);
    assert.equal(store.messageCount(alias), 1);
    assert.equal((await metrics.expired.get()).values[0].value, 1);
    now += DAY_MS;
    assert.equal(await store.sweepExpired(), 1);
    assert.equal(store.messageCount(alias), 0);
  });

  it('refuses an alias taken by another key, and accepts the same registration again', async () => {
    assert.deepEqual(await store.registerAlias(alias, aliasKey, account), { created: false });
    await assert.rejects(store.registerAlias(alias, generateEd25519KeyPair().publicKey, account), { name: 'ConflictError', reason: 'alias_taken' });
  });

  it('refuses aliases of an account without devices and over the account quotas', async () => {
    await assert.rejects(store.registerAlias(aliasId(2), aliasKey, generateEd25519KeyPair().publicKey), { name: 'UnknownDeviceError', reason: 'unknown_account' });
    await store.registerAlias(aliasId(2), aliasKey, account);
    await store.registerAlias(aliasId(3), aliasKey, account);
    await assert.rejects(store.registerAlias(aliasId(4), aliasKey, account), { name: 'QuotaExceededError', reason: 'account_aliases' });
    await store.registerDevice(account, laptop);
    await assert.rejects(store.registerDevice(account, generateEd25519KeyPair().publicKey), { name: 'QuotaExceededError', reason: 'account_devices' });
  });

  it('refuses new accounts beyond maxAccounts but still adds devices to existing ones', async () => {
    await store.close();
    store = openStore({ maxAccounts: 1 });
    await assert.rejects(store.registerDevice(generateEd25519KeyPair().publicKey, laptop), { name: 'QuotaExceededError', reason: 'accounts' });
    assert.deepEqual(await store.registerDevice(account, laptop), { created: true });
  });

  it('finds every alias, device, message and acknowledgement again after reopening', async () => {
    await store.registerDevice(account, laptop);
    const first = await store.store(alias, payloadFor(1, BYTES));
    await store.store(alias, payloadFor(2, BYTES));
    await store.ack(alias, phone, [first.id]);
    await store.close();
    store = openStore();
    assert.equal(store.messageCount(alias), 2);
    assert.ok(store.hasDevice(account, laptop));
    assert.deepEqual(store.poll(alias, phone).entries.map((e) => Buffer.from(e.payload).readUInt32BE(0)), [2]);
    assert.equal(store.poll(alias, laptop).entries.length, 2);
    const third = await store.store(alias, payloadFor(3, BYTES));
    assert.ok(Buffer.compare(Buffer.from(third.id), Buffer.from(first.id)) > 0, 'ids keep increasing across restarts');
  });

  it('refuses to reopen a store with another message size', async () => {
    await store.close();
    assert.throws(() => openStore({ messageBytes: BYTES + 1 }), { name: 'ProviderConfigError' });
    store = openStore();
    assert.equal(store.aliasCount, 1);
  });

  it('encodes every poll with the same length', async () => {
    const empty = store.pollEncoded(alias, phone).length;
    await store.store(alias, payloadFor(1, BYTES));
    const one = store.pollEncoded(alias, phone).length;
    for (let i = 0; i < 6; i++) await store.store(alias, payloadFor(i, BYTES));
    assert.equal(store.pollEncoded(alias, phone).length, empty);
    assert.equal(one, empty);
  });

  it('returns large payloads intact, in polls and in encoded polls, after further reads', async () => {
    // 2000 B is the default message size; 5000 B no longer fits LMDB's read buffer page.
    for (const bytes of [2000, 5000]) {
      const big = openStore({ path: join(dir.path, `big-${bytes}`), messageBytes: bytes, pollEntries: 3 });
      try {
        await big.registerDevice(account, phone);
        await big.registerAlias(alias, aliasKey, account);
        await big.registerAlias(aliasId(2), aliasKey, account);
        for (let i = 0; i < 4; i++) await big.store(alias, payloadFor(i, bytes));
        await big.store(aliasId(2), payloadFor(9, bytes));
        const res = big.poll(alias, phone);
        const encoded = decodePollResponse(big.pollEncoded(alias, phone));
        big.poll(aliasId(2), phone); // reads that reuse lmdb's buffers must not touch earlier answers
        assert.deepEqual(res.entries.map((e) => Buffer.from(e.payload)), [0, 1, 2].map((i) => payloadFor(i, bytes)));
        assert.deepEqual(encoded.entries.map((e) => Buffer.from(e.payload)), [0, 1, 2].map((i) => payloadFor(i, bytes)));
        assert.equal(res.more, true);
      } finally {
        await big.close();
      }
    }
  });

  it('refuses work after close', async () => {
    await store.close();
    await assert.rejects(store.store(alias, payloadFor(1, BYTES)), { name: 'StoreUnavailableError', reason: 'closed' });
  });
});
