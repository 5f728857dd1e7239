// npm run fuzz -w @strata/client-lib [-- --seed S --max-seconds T --cases N --target envelope_open,...]
// Campaigns over what a client parses from the network or from other people: envelopes (opened
// with both crypto backends), fragments (decoded and fed to a bounded Reassembler) and text
// addresses. Each case must give a result or the decoder's typed error (reason in the summary).
// Runner: test/fuzz/campaign.ts.
import { decodeAddress, encodeAddress, type Address } from '../src/address.js';
import { portableBackend } from '../src/crypto-backend.js';
import { nodeBackend } from '../src/crypto-node.js';
import { openEnvelope, sealEnvelope } from '../src/envelope.js';
import { decodeFragment, encodeFragment, fragmentMessage, Reassembler } from '../src/fragment.js';
import { identityFromSecrets, publicIdentity, type Identity } from '../src/identity.js';
import {
  concat,
  invariant,
  mutateBytes,
  mutateString,
  recordInput,
  runFuzzMain,
  typedErrors,
  type FuzzTarget,
  type Rng,
} from '../../test/fuzz/campaign.js';

const ENVELOPE_BYTES = 512;
const LOW_ORDER_X25519 = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
].map((h) => Uint8Array.from(Buffer.from(h, 'hex')));

function identity(rnd: Rng): Identity {
  return identityFromSecrets(rnd.bytes(32), rnd.bytes(32), nodeBackend);
}

interface EnvCtx {
  recipient: Identity;
  sender: Identity;
  envelopes: Uint8Array[];
}

const envelopeOpen: FuzzTarget<EnvCtx> = {
  name: 'envelope_open',
  setup(rnd) {
    const recipient = identity(rnd);
    const sender = identity(rnd);
    const envelopes = [0, 1, 100, ENVELOPE_BYTES - 147].map((n) => sealEnvelope(sender, publicIdentity(recipient), rnd.bytes(n), ENVELOPE_BYTES, nodeBackend));
    return { recipient, sender, envelopes };
  },
  expected: typedErrors('EnvelopeError'),
  run(c, rnd) {
    const original = rnd.pick(c.envelopes);
    const s = rnd.int(20);
    let e: Uint8Array;
    if (s < 14) e = mutateBytes(rnd, original);
    else if (s < 16) e = concat(original.subarray(0, 1), rnd.pick(LOW_ORDER_X25519), original.subarray(33)); // low-order epk
    else if (s < 18) e = rnd.bytes(rnd.int(2 * ENVELOPE_BYTES));
    else e = original;
    recordInput(e);
    // Most cases on the node backend (fast); one in a hundred on the portable (browser) backend.
    const opened = openEnvelope(c.recipient, e, rnd.int(100) === 0 ? portableBackend : nodeBackend);
    invariant(Buffer.from(e).equals(Buffer.from(original)), 'a modified envelope opened');
    invariant(Buffer.from(opened.senderEd25519PublicKey).equals(Buffer.from(c.sender.ed25519PublicKey)), 'wrong sender');
  },
};

interface FragCtx {
  fragments: Uint8Array[];
  reassembler: Reassembler;
  accepted: number;
}

const FRAGMENT_LIMITS = { maxMessageBytes: 1 << 20, maxFragmentsPerMessage: 4096, maxPendingMessages: 32, maxPendingPerSender: 4, maxPendingBytes: 1 << 20 };

const fragmentDecode: FuzzTarget<FragCtx> = {
  name: 'fragment_decode',
  setup(rnd) {
    const fragments = [...fragmentMessage(rnd.bytes(700), 256, rnd.bytes(16)), ...fragmentMessage(rnd.bytes(10), 256, rnd.bytes(16))];
    return { fragments, reassembler: new Reassembler({ limits: FRAGMENT_LIMITS }), accepted: 0 };
  },
  expected: typedErrors('FragmentError'),
  run(c, rnd) {
    const original = rnd.pick(c.fragments);
    const s = rnd.int(10);
    let f: Uint8Array;
    if (s < 5) f = mutateBytes(rnd, original);
    else if (s < 8) {
      // Structure-aware: a consistent checksum around hostile header fields.
      const d = decodeFragment(original);
      const edge = (): number => rnd.pick([0, 1, 2, 3, 0xffffffff, 0x7fffffff, rnd.u32(), d.count, d.totalLength]);
      f = encodeFragment({ ...d, index: 0, count: 1, totalLength: d.data.length, ...{} });
      const count = Math.max(1, edge());
      try {
        f = encodeFragment({ messageId: rnd.chance(0.5) ? d.messageId : rnd.bytes(16), digest: d.digest, count, index: rnd.int(Math.min(count, 8)), totalLength: edge(), data: rnd.chance(0.5) ? d.data : rnd.bytes(rnd.int(300)) });
      } catch {
        f = mutateBytes(rnd, original);
      }
    } else if (s < 9) f = rnd.bytes(rnd.int(400));
    else f = original;
    recordInput(f);
    decodeFragment(f);
    // And through the bounded reassembler, from one of a few senders.
    const r = c.reassembler.accept(`sender-${rnd.int(6)}`, f);
    if (r.status === 'complete') c.accepted++;
    invariant(c.reassembler.pendingBytes <= FRAGMENT_LIMITS.maxPendingBytes, 'pending bytes above the limit');
    invariant(c.reassembler.pendingMessages <= FRAGMENT_LIMITS.maxPendingMessages, 'pending messages above the limit');
  },
};

const addressDecode: FuzzTarget<string[]> = {
  name: 'address_decode',
  setup(rnd) {
    return ['https://provider.example:8443/', 'http://127.0.0.1:8080/', 'https://xn--bcher-kva.example/a/b'].map((url) => {
      const id = identity(rnd);
      const a: Address = { ...publicIdentity(id), provider: { url, nodeId: rnd.bytes(32) } };
      return encodeAddress(a);
    });
  },
  expected: typedErrors('AddressError'),
  run(valid, rnd) {
    const original = rnd.pick(valid);
    const s = rnd.int(100);
    let text: string;
    if (s < 86) text = mutateString(rnd, original);
    else if (s < 91) text = `strata1${Buffer.from(rnd.bytes(rnd.int(300))).toString('base64')}`;
    else if (s < 96) text = Buffer.from(rnd.bytes(rnd.int(300))).toString('latin1');
    else if (s < 98) text = original.toUpperCase(); // valid: key checks make these cases slow
    else text = ` ${original}\n`;
    recordInput(text);
    const a = decodeAddress(text);
    // Whatever decodes is canonical: it encodes back to the same (trimmed, lower-case) text.
    invariant(encodeAddress(a) === text.trim().toLowerCase(), 'decoded address does not re-encode to its text');
  },
};

await runFuzzMain(import.meta.filename, [envelopeOpen, fragmentDecode, addressDecode] as FuzzTarget<never>[]);
