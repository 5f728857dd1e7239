import assert from 'node:assert/strict';
import { Reassembler } from '../src/fragment.js';
import { DEFAULT_RETRY_POLICY, Outbox, retransmitTimeoutMs, retryPolicy, type MessageStatus, type OutgoingFragment } from '../src/outbox.js';
import { SecureStore } from '../src/secure-store.js';
import { makeTempDir, seededBytes, TEST_SCRYPT } from './helpers.js';

describe('Outbox', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let store: SecureStore;
  let now: number;
  const clock = () => now;
  const openStore = () => SecureStore.open({ dir: tmp.dir, passphrase: 'p', scrypt: TEST_SCRYPT });
  const openOutbox = (policy = {}) => Outbox.open(store, { now: clock, policy });
  async function drain(outbox: Outbox): Promise<OutgoingFragment[]> {
    const out: OutgoingFragment[] = [];
    for (let f = await outbox.takeNext(); f !== undefined; f = await outbox.takeNext()) out.push(f);
    return out;
  }

  beforeEach(async () => {
    now = 1_000_000;
    tmp = makeTempDir();
    store = await openStore();
  });
  afterEach(async () => {
    await store.close();
    tmp.remove();
  });

  it('derives the retransmit timeout from the expected delays, as Nym: expected × 1.5 + 1.5 s', () => {
    assert.equal(retransmitTimeoutMs(DEFAULT_RETRY_POLICY, 1), 10 * 50 * 1.5 + 1500);
    assert.equal(retransmitTimeoutMs(DEFAULT_RETRY_POLICY, 2), Math.round(2250 * 1.5));
    assert.equal(retransmitTimeoutMs(retryPolicy({ maxTimeoutMs: 3000 }), 5), 3000);
    assert.throws(() => retryPolicy({ margin: 0.5 }), (e: Error) => e.name === 'InvalidArgumentError' && e.message.startsWith('outbox.policy.margin:'));
  });

  it('moves a message from queued to sent to stored, with an event at each step', async () => {
    const outbox = await openOutbox();
    const seen: string[] = [];
    outbox.on('state', (s) => seen.push(s.state));
    const id = await outbox.enqueue('contact-1', seededBytes(250, 1), 100);
    assert.equal(outbox.status(id)?.state, 'queued');
    assert.equal(outbox.status(id)?.fragments, 3);
    const sent = await drain(outbox);
    assert.deepEqual(sent.map((f) => [f.index, f.attempt, f.recipient]), [[0, 1, 'contact-1'], [1, 1, 'contact-1'], [2, 1, 'contact-1']]);
    assert.equal(outbox.status(id)?.state, 'sent');
    for (const f of sent) assert.equal(await outbox.ack(id, f.index), true);
    assert.equal(outbox.status(id)?.state, 'stored');
    assert.deepEqual(seen, ['queued', 'sent', 'stored']);
  });

  it('hands out fragments that reassemble to the message', async () => {
    const outbox = await openOutbox();
    const body = seededBytes(100_000, 2);
    await outbox.enqueue('c', body, 1226);
    const r = new Reassembler();
    const results = (await drain(outbox)).map((f) => r.accept('me', f.bytes));
    const last = results[results.length - 1];
    assert.ok(last.status === 'complete' && Buffer.compare(last.message, body) === 0);
  });

  it('makes an unacknowledged fragment due again after its deadline, with a longer deadline', async () => {
    const outbox = await openOutbox();
    const id = await outbox.enqueue('c', seededBytes(50, 3), 100);
    const [first] = await drain(outbox);
    assert.equal(first.deadlineMs, now + 2250);
    now += 2249;
    assert.deepEqual(await outbox.sweep(), { retried: 0, failed: 0 });
    assert.equal(await outbox.takeNext(), undefined);
    now += 1;
    assert.deepEqual(await outbox.sweep(), { retried: 1, failed: 0 });
    const again = await outbox.takeNext();
    assert.equal(again?.attempt, 2);
    assert.equal(again?.deadlineMs, now + 3375);
    assert.deepEqual(again?.bytes, first.bytes);
    assert.equal(await outbox.ack(id, 0), true);
    assert.equal(outbox.status(id)?.state, 'stored');
    assert.equal(await outbox.ack(id, 0), false);
  });

  it('uses a changed mean hop delay (a new μ) for every later deadline, and validates the change', async () => {
    const outbox = await openOutbox();
    await outbox.enqueue('c', seededBytes(250, 4), 100); // three fragments
    const first = await outbox.takeNext();
    assert.equal(first?.deadlineMs, now + 10 * 50 * 1.5 + 1500);
    outbox.updatePolicy({ meanHopDelayMs: 500 }); // μ fell from 20/s to 2/s
    assert.equal(outbox.policy.meanHopDelayMs, 500);
    const second = await outbox.takeNext();
    assert.equal(second?.deadlineMs, now + 10 * 500 * 1.5 + 1500);
    assert.throws(() => outbox.updatePolicy({ meanHopDelayMs: -1 }), { name: 'InvalidArgumentError' });
    assert.equal(outbox.policy.meanHopDelayMs, 500);
  });

  it('reports a message whose fragment exhausts its attempts as failed, never silently', async () => {
    const outbox = await openOutbox({ maxAttempts: 2 });
    const failed: MessageStatus[] = [];
    outbox.on('failed', (s) => failed.push(s));
    const id = await outbox.enqueue('c', seededBytes(150, 4), 100);
    await drain(outbox);
    await outbox.ack(id, 1);
    now += 10_000;
    await outbox.sweep();
    assert.equal((await drain(outbox)).length, 1);
    now += 10_000;
    assert.deepEqual(await outbox.sweep(), { retried: 0, failed: 1 });
    assert.equal(outbox.status(id)?.state, 'failed');
    assert.equal(outbox.status(id)?.failure, 'retries-exhausted');
    assert.equal(failed.length, 1);
    assert.equal(failed[0].id, id);
    assert.equal(await outbox.takeNext(), undefined);
    assert.equal(await outbox.ack(id, 0), false);
  });

  it('survives a restart: states, attempts, deadlines and fragment bytes are kept', async () => {
    let outbox = await openOutbox();
    const a = await outbox.enqueue('alice', seededBytes(300, 5), 100);
    const b = await outbox.enqueue('bob', seededBytes(20, 6), 100);
    const sentBefore = [await outbox.takeNext(), await outbox.takeNext()];
    await outbox.ack(a, 0);
    await outbox.flush(); // what the client does at shutdown
    await store.close();
    store = await openStore();
    outbox = await openOutbox();
    assert.deepEqual(outbox.list().map((s) => [s.id, s.state, s.sent, s.acked]), [[a, 'queued', 2, 1], [b, 'queued', 0, 0]]);
    const rest = await drain(outbox);
    assert.deepEqual(rest.map((f) => [f.messageId, f.index]), [[a, 2], [b, 0]]);
    now += 2250;
    await outbox.sweep();
    const resent = await outbox.takeNext();
    assert.equal(resent?.index, 1);
    assert.equal(resent?.attempt, 2);
    assert.deepEqual(resent?.bytes, sentBefore[1]?.bytes);
  });

  it('keeps failed and stored outcomes across a restart', async () => {
    let outbox = await openOutbox({ maxAttempts: 1 });
    const a = await outbox.enqueue('c', seededBytes(10, 7), 100);
    const b = await outbox.enqueue('c', seededBytes(10, 8), 100);
    await drain(outbox);
    await outbox.ack(b, 0);
    now += 5000;
    await outbox.sweep();
    await store.close();
    store = await openStore();
    outbox = await openOutbox({ maxAttempts: 1 });
    assert.equal(outbox.status(a)?.state, 'failed');
    assert.equal(outbox.status(a)?.sent, 1);
    assert.equal(outbox.status(b)?.state, 'stored');
    assert.equal(outbox.status(b)?.acked, 1);
    assert.equal(await outbox.takeNext(), undefined);
  });

  it('holds concurrent enqueues all in its index', async () => {
    const outbox = await openOutbox();
    const ids = await Promise.all([1, 2, 3, 4].map((i) => outbox.enqueue('c', seededBytes(10, i), 100)));
    await store.close();
    store = await openStore();
    assert.deepEqual(new Set((await openOutbox()).list().map((s) => s.id)), new Set(ids));
  });

  it('cancels and removes a message', async () => {
    const outbox = await openOutbox();
    const id = await outbox.enqueue('c', seededBytes(10, 9), 100);
    await outbox.cancel(id);
    assert.equal(outbox.status(id)?.failure, 'cancelled');
    await outbox.remove(id);
    assert.equal(outbox.status(id), undefined);
    await assert.rejects(outbox.remove(id), { name: 'OutboxError', reason: 'unknown-message' });
    await store.close();
    store = await openStore();
    assert.equal((await openOutbox()).list().length, 0);
  });

  it('ignores acknowledgements it cannot use', async () => {
    const outbox = await openOutbox();
    const id = await outbox.enqueue('c', seededBytes(10, 10), 100);
    assert.equal(await outbox.ack(id, 0), false); // not sent yet
    await outbox.takeNext();
    assert.equal(await outbox.ack('unknown', 0), false);
    assert.equal(await outbox.ack(id, 5), false);
    assert.equal(await outbox.ack(id, -1), false);
    assert.equal(await outbox.ack(id, 0.5), false);
  });

  it('reports a record it could not write when flushed', async () => {
    const outbox = await openOutbox();
    await outbox.enqueue('c', seededBytes(150, 11), 100); // two fragments: no state change on the first
    await store.close();
    assert.ok((await outbox.takeNext()) !== undefined);
    await assert.rejects(outbox.flush(), { name: 'SecureStoreError', reason: 'closed' });
    store = await openStore();
  });

  it('refuses a message above the size limit', async () => {
    const outbox = await openOutbox({ maxMessageBytes: 100 });
    await assert.rejects(outbox.enqueue('c', new Uint8Array(101), 50), { name: 'OutboxError', reason: 'too-large' });
  });
});
