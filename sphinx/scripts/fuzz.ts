// npm run fuzz -w sphinx-packet-ts [-- --iterations N --seed S --max-seconds T]
// Feeds random and mutated packets (and SURBs, reply bodies, command blocks) to the decoders and
// asserts that each gives a valid result or an InvalidPacketError, never anything else.
// Seeded and time-boxed; prints one JSON summary line; exit code 1 on any unexpected outcome.
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
  type Command,
  type NodePrivateKey,
  type PathHop,
} from '../src/index.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const ITERATIONS = arg('iterations', 100_000);
const SEED = arg('seed', 1);
const MAX_SECONDS = arg('max-seconds', 600);

/** xorshift128+: deterministic, seeded. */
function prng(seed: number) {
  let a = (seed ^ 0x9e3779b9) >>> 0 || 1;
  let b = 0x6a09e667 ^ seed;
  let c = 0xbb67ae85;
  let d = 0x3c6ef372;
  const next = (): number => {
    const t = a ^ (a << 11);
    a = b;
    b = c;
    c = d;
    d = (d ^ (d >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
    return d;
  };
  return {
    int: (n: number) => next() % n,
    bytes: (n: number) => {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = next() & 0xff;
      return out;
    },
  };
}

const rnd = prng(SEED);
const random = (n: number) => rnd.bytes(n);

interface Corpus {
  g: Geometry;
  keys: NodePrivateKey[];
  arriving: Uint8Array[]; // packet as received by hop i
  surb: Uint8Array;
  surbKeys: Uint8Array;
  replyBody: Uint8Array;
}

function corpus(g: Geometry): Corpus {
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
  return { g, keys, arriving, surb: s.surb, surbKeys: s.surbKeys, replyBody };
}

function mutate(x: Uint8Array): Uint8Array {
  const out = x.slice();
  switch (rnd.int(5)) {
    case 0: // a few bit flips
      for (let k = 1 + rnd.int(8); k > 0; k--) out[rnd.int(out.length)] ^= 1 << rnd.int(8);
      return out;
    case 1: // overwrite a range with random bytes
    {
      const at = rnd.int(out.length);
      out.set(rnd.bytes(Math.min(out.length - at, 1 + rnd.int(64))), at);
      return out;
    }
    case 2: // truncate
      return out.subarray(0, rnd.int(out.length));
    case 3: // extend
      return new Uint8Array([...out, ...rnd.bytes(1 + rnd.int(100))]);
    default: // set one byte to an edge value
      out[rnd.int(out.length)] = [0, 0xff, 0x80, 0x01][rnd.int(4)];
      return out;
  }
}

const LOW_ORDER = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
].map((h) => Uint8Array.from(Buffer.from(h, 'hex')));

const corpora = [corpus(DEFAULT_GEOMETRY), corpus(Geometry.kem({ nrHops: 5, userForwardPayloadLength: 2000, withSurb: true }))];
const counts: Record<string, number> = {};
const unexpected: string[] = [];
const bump = (k: string) => (counts[k] = (counts[k] ?? 0) + 1);

function expectTyped(what: string, fn: () => void): void {
  try {
    fn();
    bump(`${what}:ok`);
  } catch (e) {
    const err = e as Error & { reason?: string };
    if (err.name === 'InvalidPacketError' && typeof err.reason === 'string') bump(`${what}:${err.reason}`);
    else if (unexpected.length < 20) unexpected.push(`${what}: ${err.name}: ${err.message}`);
    else unexpected.length++;
  }
}

const t0 = performance.now();
let i = 0;
for (; i < ITERATIONS && (performance.now() - t0) / 1000 < MAX_SECONDS; i++) {
  const c = corpora[rnd.int(corpora.length)];
  const { g } = c;
  const hop = rnd.int(g.nrHops);
  const strategy = rnd.int(20);
  if (strategy < 12) {
    const p = mutate(c.arriving[hop]);
    expectTyped('unwrap', () => {
      const r = unwrapPacket(g, c.keys[hop], p);
      if (r.packet ? r.packet.length !== g.packetLength : r.payload === null) throw new Error('inconsistent result');
    });
  } else if (strategy < 14) {
    const p = rnd.bytes(rnd.int(2) ? g.packetLength : rnd.int(2 * g.packetLength));
    if (rnd.int(2)) p.fill(0, 0, Math.min(2, p.length)); // pass the version check half the time
    expectTyped('unwrap', () => void unwrapPacket(g, c.keys[hop], p));
  } else if (strategy < 15) {
    const p = c.arriving[hop].slice(); // replayed as is, or with a low-order group element
    if (rnd.int(2)) p.set(LOW_ORDER[rnd.int(LOW_ORDER.length)], 2);
    expectTyped('unwrap', () => void unwrapPacket(g, c.keys[hop], p));
  } else if (strategy < 17) {
    const s = mutate(c.surb);
    expectTyped('packetFromSurb', () => void packetFromSurb(g, s, new Uint8Array(g.forwardPayloadLength)));
  } else if (strategy < 19) {
    const body = rnd.int(4) ? mutate(c.replyBody) : c.replyBody;
    expectTyped('decryptSurbPayload', () => void decryptSurbPayload(g, body, c.surbKeys));
  } else {
    const block = rnd.bytes(rnd.int(120));
    if (rnd.int(2)) block[0] = [0x01, 0x02, 0x03, 0x80, 0x00][rnd.int(5)];
    expectTyped('decodeCommands', () => void decodeCommands(block));
  }
}
const seconds = (performance.now() - t0) / 1000;
console.log(
  JSON.stringify({
    name: 'sphinx_fuzz',
    seed: SEED,
    iterations: i,
    seconds: Math.round(seconds * 10) / 10,
    outcomes: Object.fromEntries(Object.entries(counts).sort()),
    unexpected: unexpected.length,
    unexpected_samples: unexpected.filter(Boolean),
  }),
);
if (unexpected.length > 0 || i < ITERATIONS) process.exitCode = 1;
