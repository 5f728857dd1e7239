// npm run fuzz -w sphinx-packet-ts [-- --seed S --max-seconds T --cases N --target sphinx_unwrap]
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
  return { g, keys, arriving, surb: s.surb, surbKeys: s.surbKeys, replyBody };
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

const unwrap: FuzzTarget<Corpus[]> = {
  name: 'sphinx_unwrap',
  setup,
  expected,
  run(corpora, rnd) {
    const c = rnd.pick(corpora);
    const { g } = c;
    const hop = rnd.int(g.nrHops);
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
    recordInput(p);
    const r = unwrapPacket(g, c.keys[hop], p);
    invariant(r.packet ? r.packet.length === g.packetLength : r.payload !== null, 'inconsistent unwrap result');
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

await runFuzzMain(import.meta.filename, [unwrap, surb, reply, commands] as FuzzTarget<never>[]);
