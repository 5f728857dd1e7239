// The client core end to end, without a network: outbox → envelope → (transport) → envelope →
// allow list → durable reassembly → exactly-once delivery, with losses, duplicates and a restart.
import assert from 'node:assert/strict';
import { encodeAddress } from '../src/address.js';
import { ContactBook } from '../src/contacts.js';
import { nodeBackend } from '../src/crypto-node.js';
import { DurableReassembler } from '../src/durable-reassembler.js';
import { openEnvelope, sealEnvelope } from '../src/envelope.js';
import { identityFromSecrets, identityId, type Identity } from '../src/identity.js';
import { Outbox } from '../src/outbox.js';
import { payloadBudget } from '../src/payload-budget.js';
import { SecureStore } from '../src/secure-store.js';
import { makeTempDir, seededBytes, TEST_SCRYPT } from './helpers.js';

const PROVIDER = { url: 'http://127.0.0.1:8443/', nodeId: seededBytes(32, 900) };
const addressOf = (id: Identity) => encodeAddress({ ...id, provider: PROVIDER });

describe('client core pipeline', () => {
  const alice = identityFromSecrets(seededBytes(32, 61), seededBytes(32, 62), nodeBackend);
  const bob = identityFromSecrets(seededBytes(32, 63), seededBytes(32, 64), nodeBackend);
  const mallory = identityFromSecrets(seededBytes(32, 65), seededBytes(32, 66), nodeBackend);
  const budget = payloadBudget();
  let tmp: ReturnType<typeof makeTempDir>;
  let aliceStore: SecureStore;
  let bobStore: SecureStore;
  const openBob = () => SecureStore.open({ dir: `${tmp.dir}/bob`, passphrase: 'bob', scrypt: TEST_SCRYPT });

  beforeEach(async () => {
    tmp = makeTempDir();
    aliceStore = await SecureStore.open({ dir: `${tmp.dir}/alice`, passphrase: 'alice', scrypt: TEST_SCRYPT });
    bobStore = await openBob();
  });
  afterEach(async () => {
    await aliceStore.close();
    await bobStore.close();
    tmp.remove();
  });

  /** Bob's receive path: open, check the allow list, reassemble; strangers go to the request queue. */
  async function receive(book: ContactBook, inbox: DurableReassembler, envelope: Uint8Array): Promise<Uint8Array | 'request' | undefined> {
    const opened = openEnvelope(bob, envelope, nodeBackend);
    const contact = book.allowed(opened.senderEd25519PublicKey);
    if (contact === undefined) {
      await book.queueRequest(opened.senderEd25519PublicKey, opened.body);
      return 'request';
    }
    const result = await inbox.accept(contact.id, opened.body);
    return result.status === 'complete' ? result.message : undefined;
  }

  it('delivers a 150 kB message exactly once through losses, duplicates and a receiver restart', async () => {
    const aliceBook = new ContactBook(aliceStore, alice);
    const bobContact = await aliceBook.add(addressOf(bob), 'Bob');
    let bobBook = new ContactBook(bobStore, bob);
    await bobBook.add(addressOf(alice), 'Alice');
    let inbox = await DurableReassembler.open(bobStore);
    let now = 0;
    const outbox = await Outbox.open(aliceStore, { now: () => now });
    const message = seededBytes(150_000, 67);
    const id = await outbox.enqueue(bobContact.id, message, budget.fragmentDataBytes);

    const delivered: Uint8Array[] = [];
    let round = 0;
    while (outbox.status(id)?.state !== 'stored') {
      for (let f = await outbox.takeNext(); f !== undefined; f = await outbox.takeNext()) {
        const wire = sealEnvelope(alice, bobContact.keys, f.bytes, budget.envelopeBytes, nodeBackend);
        assert.equal(wire.length, budget.envelopeBytes);
        if (round === 0 && f.index % 5 === 0) continue; // lost on the way: no ACK
        const copies = f.index % 7 === 0 ? 2 : 1; // duplicated on the way
        for (let c = 0; c < copies; c++) {
          const got = await receive(bobBook, inbox, wire);
          if (got instanceof Uint8Array) delivered.push(got);
        }
        if (f.index % 3 !== 0 || round > 0) await outbox.ack(f.messageId, f.index); // some ACKs lost
      }
      if (round === 0) {
        // Bob's client restarts mid-message
        await bobStore.close();
        bobStore = await openBob();
        bobBook = new ContactBook(bobStore, bob);
        inbox = await DurableReassembler.open(bobStore);
      }
      now += 60_000;
      await outbox.sweep();
      round++;
      assert.ok(round < 5, 'the message should be stored within a few rounds');
    }
    assert.equal(delivered.length, 1);
    assert.equal(Buffer.compare(delivered[0], message), 0);
  });

  it('keeps a stranger out of the conversation and in the request queue', async () => {
    const bobBook = new ContactBook(bobStore, bob);
    await bobBook.add(addressOf(alice), 'Alice');
    const inbox = await DurableReassembler.open(bobStore);
    const wire = sealEnvelope(mallory, bob, Uint8Array.of(1, 2, 3), budget.envelopeBytes, nodeBackend);
    assert.equal(await receive(bobBook, inbox, wire), 'request');
    const [request] = bobBook.listRequests();
    assert.deepEqual(request.senderEd25519PublicKey, mallory.ed25519PublicKey);
    assert.equal(identityId(mallory) === identityId(alice), false);
    assert.equal(inbox.pendingMessages, 0);
  });
});
