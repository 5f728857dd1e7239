// npm run fuzz -w sphinx-packet-ts [-- --seed S --max-seconds T --cases N --target sphinx_unwrap]
// (targets: sphinx_unwrap, sphinx_unwrap_into, sphinx_packet_from_surb, sphinx_decrypt_surb_payload, sphinx_commands)
// Feeds random and mutated packets (and SURBs, reply bodies, command blocks) to the decoders and
// asserts that each gives a well-formed result or an InvalidPacketError, never anything else.
// The campaign runner (seeding, time box, watchdog, summary lines) is test/fuzz/campaign.ts.
import {
  createPacket,
  createSurb,
  decodeCommands,
  decryptSurbPayload,
  DEFAULT_GEOMETRY,
  Geometry,
  packetFromSurb,
  prepareNodeKey,
  publicKeyFromPrivate,
  unwrapPacket,
  unwrapPacketInto,
  createUnwrapScratch,
  type Command,
  type NodePrivateKey,
  type PathHop,
} from '../src/index.js';
import { invariant, mutateBytes, recordInput, runFuzzMain, typedErrors, type FuzzTarget, type Rng } from '../../test/fuzz/campaign.js';

interface Corpus {
  g: Geometry;
  keys: NodePrivateKey[];
  arriving: Uint8Array[]; // packet as received by hop i
  surb: Uint8Array;
  surbKeys: Uint8Array;
  replyBody: Uint8Array;
  /** One scratch and one output buffer for the corpus's whole campaign, as a mix worker keeps them. */
  scratch: ReturnType<typeof createUnwrapScratch>;
  out: Uint8Array;
}

function corpus(rnd: Rng, g: Geometry): Corpus {
  const random = (n: number): Uint8Array => rnd.bytes(n);
  const privs = Array.from({ length: g.nrHops }, () => random(32));
  const keys = privs.map((p) => prepareNodeKey(p));
  const path: PathHop[] = privs.map((p, i) => {
    const commands: Command[] = i < g.nrHops - 1 ? [{ type: 'nodeDelay', delayMs: i }] : [{ type: 'recipient', id: random(32) }, { type: 'surbReply', id: random(16) }];
    return { id: random(32), publicKey: publicKeyFromPrivate(p), commands };
  });
  const fwdPath = path.map((h, i) => (i === g.nrHops - 1 ? { ...h, commands: [h.commands[0]] } : h));
  const arriving = [createPacket(g, fwdPath, random(g.forwardPayloadLength), { random })];
  for (let i = 0; i < g.nrHops - 1; i++) arriving.push(unwrapPacket(g, keys[i], arriving[i]).packet!);
  const s = createSurb(g, path, { random });
  let p = packetFromSurb(g, s.surb, random(g.forwardPayloadLength)).packet;
  for (let i = 0; i < g.nrHops - 1; i++) p = unwrapPacket(g, keys[i], p).packet!;
  const replyBody = unwrapPacket(g, keys[g.nrHops - 1], p).payload!;
  return { g, keys, arriving, surb: s.surb, surbKeys: s.surbKeys, replyBody, scratch: createUnwrapScratch(g), out: new Uint8Array(g.packetLength) };
}

const LOW_ORDER = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
].map((h) => Uint8Array.from(Buffer.from(h, 'hex')));

const setup = (rnd: Rng): Corpus[] => [
  corpus(rnd, DEFAULT_GEOMETRY),
  corpus(rnd, Geometry.kem({ nrHops: 5, userForwardPayloadLength: 2000, withSurb: true })),
];
const expected = typedErrors('InvalidPacketError');

/** A hostile packet for hop `hop` of corpus c: mutated, random, replayed or with a low-order element. */
function hostilePacket(c: Corpus, hop: number, rnd: Rng): Uint8Array {
  const { g } = c;
  let p: Uint8Array;
  const strategy = rnd.int(16);
  if (strategy < 12) p = mutateBytes(rnd, c.arriving[hop]);
  else if (strategy < 14) {
    p = rnd.bytes(rnd.chance(0.5) ? g.packetLength : rnd.int(2 * g.packetLength));
    if (rnd.chance(0.5)) p.fill(0, 0, Math.min(2, p.length)); // pass the version check half the time
  } else {
    p = c.arriving[hop].slice(); // replayed as is, or with a low-order group element
    if (rnd.chance(0.5)) p.set(rnd.pick(LOW_ORDER), 2);
  }
  return p;
}

/** One corpus, a hop of its path and a hostile packet for that hop (recorded as the case's input). */
function hostileCase(corpora: Corpus[], rnd: Parameters<typeof hostilePacket>[2]) {
  const c = rnd.pick(corpora);
  const hop = rnd.int(c.g.nrHops);
  const p = hostilePacket(c, hop, rnd);
  recordInput(p);
  return { c, g: c.g, hop, p };
}

const unwrap: FuzzTarget<Corpus[]> = {
  name: 'sphinx_unwrap',
  setup,
  expected,
  run(corpora, rnd) {
    const { c, g, hop, p } = hostileCase(corpora, rnd);
    const r = unwrapPacket(g, c.keys[hop], p);
    invariant(r.packet ? r.packet.length === g.packetLength : r.payload !== null, 'inconsistent unwrap result');
  },
};

/** Outcome of one unwrap: a comparable string (error name and reason, or the result bytes) and the error. */
function outcome(fn: () => { replayTag: Uint8Array; nextHop: Uint8Array | null; packet: Uint8Array | null; payload: Uint8Array | null; delayMs: number | null }): { key: string; error: unknown } {
  try {
    const r = fn();
    const hex = (b: Uint8Array | null) => (b ? Buffer.from(b).toString('hex') : '-');
    return { key: `ok ${hex(r.replayTag)} ${hex(r.nextHop)} ${hex(r.packet)} ${hex(r.payload)} ${r.delayMs}`, error: null };
  } catch (e) {
    return { key: `${(e as Error).name}:${(e as { reason?: string }).reason}`, error: e };
  }
}

// Differential: unwrapPacketInto with one scratch and one out reused across every hostile case
// must give exactly unwrapPacket's outcome (no state leaks between packets through the scratch).
const unwrapInto: FuzzTarget<Corpus[]> = {
  name: 'sphinx_unwrap_into',
  setup,
  expected,
  run(corpora, rnd) {
    const { c, g, hop, p } = hostileCase(corpora, rnd);
    const into = outcome(() => {
      const r = unwrapPacketInto(g, c.keys[hop], p, c.out, c.scratch);
      return { ...r, packet: r.forwarded ? c.out : null };
    });
    invariant(into.key === outcome(() => unwrapPacket(g, c.keys[hop], p)).key, 'unwrapPacketInto and unwrapPacket disagree');
    if (into.error) throw into.error; // counted by reason like sphinx_unwrap's
  },
};

const surb: FuzzTarget<Corpus[]> = {
  name: 'sphinx_packet_from_surb',
  setup,
  expected,
  run(corpora, rnd) {
    const c = rnd.pick(corpora);
    const s = rnd.chance(0.9) ? mutateBytes(rnd, c.surb) : rnd.bytes(rnd.int(2 * c.surb.length));
    recordInput(s);
    const r = packetFromSurb(c.g, s, new Uint8Array(c.g.forwardPayloadLength));
    invariant(r.packet.length === c.g.packetLength, 'packet of the wrong length');
  },
};

const reply: FuzzTarget<Corpus[]> = {
  name: 'sphinx_decrypt_surb_payload',
  setup,
  expected,
  run(corpora, rnd) {
    const c = rnd.pick(corpora);
    const body = rnd.int(4) ? mutateBytes(rnd, c.replyBody) : c.replyBody;
    recordInput(body);
    decryptSurbPayload(c.g, body, c.surbKeys);
  },
};

const commands: FuzzTarget<Corpus[]> = {
  name: 'sphinx_commands',
  setup: () => [],
  expected,
  run(_c, rnd) {
    const block = rnd.bytes(rnd.int(120));
    if (block.length > 0 && rnd.chance(0.5)) block[0] = rnd.pick([0x01, 0x02, 0x03, 0x80, 0x00]);
    recordInput(block);
    decodeCommands(block);
  },
};

await runFuzzMain(import.meta.filename, [unwrap, unwrapInto, surb, reply, commands] as FuzzTarget<never>[]);
