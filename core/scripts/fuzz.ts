// npm run fuzz -w @strata/core [-- --seed S --max-seconds T --cases N --target link_commands,...]
// Campaigns over everything in core that parses peer input: link commands, the XX handshake
// messages, post-handshake frames (in process, and against a real TCP listener), descriptors,
// consensus documents (binary and the signed JSON form) and config parsing. Each case must give
// a result or the decoder's typed error. Runner: test/fuzz/campaign.ts.
import type { Duplex } from 'node:stream';
import {
  buildConsensus,
  ConfigReader,
  decodeConsensus,
  decodeSignedDescriptor,
  encodeConsensus,
  encodeSignedConsensusJson,
  parseConfig,
  resolveLinkConfig,
  signConsensus,
  verifyConsensus,
  type SignedConsensusJson,
} from '@strata/core';
import { CipherState } from '../src/link/cipher-state.js';
import { CommandId, decodeCommand, encodePaddedCommand, type LinkCommand } from '../src/link/commands.js';
import { linkPrologue, type LinkConfig } from '../src/link/config.js';
import { XXHandshakeState } from '../src/link/handshake-state.js';
import { createLinkListener, type LinkListener } from '../src/link/listener.js';
import { tcpTransport } from '../src/link/tcp-transport.js';
import { generateLinkKeyPair, linkKeyPairFromPrivateKey, type LinkKeyPair } from '../src/link/x25519.js';
import { makeTestNetwork, testSecret, testSigner, TEST_GEOMETRY_HASH, TEST_PARAMS } from '../test/fixtures.js';
import {
  concat,
  createRng,
  invariant,
  mutateBytes,
  mutateJson,
  mutateString,
  recordInput,
  runFuzzMain,
  typedErrors,
  type FuzzTarget,
  type Rng,
} from '../../test/fuzz/campaign.js';

const COMMAND_BYTES = 240;

function sampleCommands(rnd: Rng): LinkCommand[] {
  return [
    { kind: 'NoOp' },
    { kind: 'Disconnect' },
    { kind: 'Rekey' },
    { kind: 'SendPacket', packet: rnd.bytes(1 + rnd.int(200)) },
    { kind: 'MessageDelivered', sequence: rnd.u32() },
    { kind: 'RetrieveMessage', sequence: rnd.u32() },
    { kind: 'Message', sequence: rnd.u32(), surbId: rnd.bytes(16), payload: rnd.bytes(rnd.int(150)) },
    { kind: 'GetConsensus', epoch: BigInt(rnd.u32()) },
    { kind: 'Consensus', errorCode: rnd.int(3), payload: rnd.bytes(rnd.int(150)) },
  ];
}

/** A command buffer: mutated valid command, random bytes, or a valid header around bad contents. */
function commandInput(rnd: Rng, valid: Uint8Array[]): Uint8Array {
  const s = rnd.int(10);
  if (s < 6) return mutateBytes(rnd, rnd.pick(valid));
  if (s < 7) return rnd.bytes(rnd.int(COMMAND_BYTES + 20));
  // Structure-aware: a known id, zero reserved byte and an edge-case body length.
  const b = new Uint8Array(rnd.chance(0.8) ? COMMAND_BYTES : rnd.int(COMMAND_BYTES));
  if (b.length >= 6) {
    b[0] = rnd.pick(Object.values(CommandId));
    const len = rnd.pick([0, 1, 3, 4, 5, 8, 16, 20, 21, b.length - 6, b.length - 5, 0xffffffff, 0x80000000, rnd.u32()]);
    new DataView(b.buffer).setUint32(2, len >>> 0);
    const body = Math.max(0, Math.min(len, b.length - 6));
    b.set(rnd.bytes(body), 6);
    if (rnd.chance(0.1)) b[b.length - 1] = 1; // one non-zero padding byte
  }
  return b;
}

/** decodeCommand's result must re-encode to exactly the input (canonical, no silent loss). */
function roundTrips(cmd: LinkCommand, input: Uint8Array): void {
  const again = encodePaddedCommand(cmd, input.length);
  invariant(Buffer.from(again).equals(Buffer.from(input)), `decoded ${cmd.kind} does not re-encode to its input`);
}

const linkCommands: FuzzTarget<Uint8Array[]> = {
  name: 'link_commands',
  setup: (rnd) => sampleCommands(rnd).map((c) => encodePaddedCommand(c, COMMAND_BYTES)),
  expected: typedErrors('CommandDecodeError'),
  run(valid, rnd) {
    const b = commandInput(rnd, valid);
    recordInput(b);
    roundTrips(decodeCommand(b), b);
  },
};

// ---- handshake: each case reads one mutated message into a fresh handshake state. Ephemeral
// keys are fixed (as the cacophony vectors do) so that an unmutated message still succeeds.
interface HandshakeCtx {
  prologue: Uint8Array;
  initS: LinkKeyPair;
  respS: LinkKeyPair;
  initE: LinkKeyPair;
  respE: LinkKeyPair;
  msg: [Uint8Array, Uint8Array, Uint8Array];
  frameKey: Uint8Array;
  plaintexts: Uint8Array[];
  frames: Uint8Array[];
}

const LOW_ORDER_X25519 = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
].map((h) => Uint8Array.from(Buffer.from(h, 'hex')));

function handshakeSetup(): HandshakeCtx {
  const config = resolveLinkConfig({ frameBytes: COMMAND_BYTES + 18 });
  const prologue = linkPrologue(config);
  const key = (label: string): LinkKeyPair => linkKeyPairFromPrivateKey(testSecret(`fuzz/${label}`));
  const [initS, respS, initE, respE] = [key('is'), key('rs'), key('ie'), key('re')];
  const init = new XXHandshakeState({ role: 'initiator', prologue, staticKey: initS, ephemeralKey: initE });
  const resp = new XXHandshakeState({ role: 'responder', prologue, staticKey: respS, ephemeralKey: respE });
  const empty = new Uint8Array(0);
  const m0 = init.writeMessage(empty);
  resp.readMessage(m0);
  const m1 = resp.writeMessage(empty);
  init.readMessage(m1);
  const m2 = init.writeMessage(empty);
  resp.readMessage(m2);
  // Transport frames under a fixed key, each at nonce 0, as a link's first frames would be
  // (the key is what split() yields; the handshake itself is link_handshake's business).
  const frameKey = testSecret('fuzz/frame-key');
  const plaintexts = sampleCommands(createRng(42)).map((c) => encodePaddedCommand(c, COMMAND_BYTES));
  const frames = plaintexts.map((p) => {
    const send = new CipherState();
    send.initializeKey(frameKey);
    return send.encryptWithAd(empty, p);
  });
  return { prologue, initS, respS, initE, respE, msg: [m0, m1, m2], frameKey, frames, plaintexts };
}

const linkHandshake: FuzzTarget<HandshakeCtx> = {
  name: 'link_handshake',
  setup: handshakeSetup,
  expected: typedErrors('HandshakeError'),
  run(c, rnd) {
    const empty = new Uint8Array(0);
    const which = rnd.int(3);
    const original = c.msg[which];
    let m: Uint8Array;
    const s = rnd.int(10);
    if (s < 7) m = mutateBytes(rnd, original);
    else if (s < 8) m = rnd.bytes(original.length);
    else if (s < 9) m = concat(rnd.pick(LOW_ORDER_X25519), original.subarray(32)); // low-order e
    else m = original;
    recordInput({ which, m: Buffer.from(m).toString('hex') });
    if (which === 0) {
      // Responder reads -> e, then answers (the DH with e happens here).
      const resp = new XXHandshakeState({ role: 'responder', prologue: c.prologue, staticKey: c.respS, ephemeralKey: c.respE });
      resp.readMessage(m);
      invariant(resp.writeMessage(empty).length === c.msg[1].length, 'message 1 of the wrong length');
    } else if (which === 1) {
      // Initiator reads <- e, ee, s, es: the static key it learns must be the real one or fail.
      const init = new XXHandshakeState({ role: 'initiator', prologue: c.prologue, staticKey: c.initS, ephemeralKey: c.initE });
      init.writeMessage(empty);
      init.readMessage(m);
      invariant(init.remoteStaticKeyEquals(c.respS.publicKey), 'initiator accepted a static key nobody sent');
    } else {
      // Responder reads -> s, se: authentication of the initiator.
      const resp = new XXHandshakeState({ role: 'responder', prologue: c.prologue, staticKey: c.respS, ephemeralKey: c.respE });
      resp.readMessage(c.msg[0]);
      resp.writeMessage(empty);
      resp.readMessage(m);
      invariant(resp.remoteStaticKeyEquals(c.initS.publicKey), 'responder authenticated a static key nobody sent');
    }
  },
};

const linkFrames: FuzzTarget<HandshakeCtx> = {
  name: 'link_frames',
  setup: handshakeSetup,
  expected: (err) => (err instanceof Error && err.name === 'AeadError' ? 'AeadError' : typedErrors('CommandDecodeError')(err)),
  run(c, rnd) {
    const recv = new CipherState();
    recv.initializeKey(c.frameKey);
    if (rnd.chance(0.5)) {
      // An authenticated peer sending a malformed command: right key, bad plaintext.
      const send = new CipherState();
      send.initializeKey(c.frameKey);
      const plain = commandInput(rnd, c.plaintexts);
      recordInput(plain);
      roundTrips(decodeCommand(recv.decryptWithAd(new Uint8Array(0), send.encryptWithAd(new Uint8Array(0), plain))), plain);
      return;
    }
    // Anyone else: a modified frame on the wire.
    const original = rnd.pick(c.frames);
    const f = rnd.chance(0.9) ? mutateBytes(rnd, original) : original;
    recordInput(f);
    const plain = recv.decryptWithAd(new Uint8Array(0), f);
    // Only an authentic frame decrypts, and only the original is authentic.
    invariant(Buffer.from(f).equals(Buffer.from(original)), 'a modified frame passed authentication');
    roundTrips(decodeCommand(plain), plain);
  },
};

// ---- a real listener on a real TCP port: unauthenticated garbage and broken handshakes.
interface TcpCtx {
  listener: LinkListener<string>;
  key: LinkKeyPair;
  dialerKey: LinkKeyPair;
  prologue: Uint8Array;
  open: Set<Duplex>;
  valid: Uint8Array;
}

const FRAME_BYTES = 256;

const linkTcp: FuzzTarget<TcpCtx> = {
  name: 'link_tcp_listener',
  defaultCases: Number.MAX_SAFE_INTEGER,
  defaultSeconds: 60,
  watchdogMs: 15_000,
  async setup() {
    const key = generateLinkKeyPair();
    const dialerKey = generateLinkKeyPair();
    const listener = await createLinkListener<string>({
      host: '127.0.0.1', port: 0, frameBytes: FRAME_BYTES, staticKey: key, handshakeTimeoutMs: 2000,
      authorize: (k) => (Buffer.from(k).equals(Buffer.from(dialerKey.publicKey)) ? 'ok' : null),
    });
    listener.on('connection', (c) => c.close());
    const prologue = linkPrologue(resolveLinkConfig({ frameBytes: FRAME_BYTES }));
    const hs = new XXHandshakeState({ role: 'initiator', prologue, staticKey: dialerKey });
    const m0 = hs.writeMessage(new Uint8Array(0));
    return { listener, key, dialerKey, prologue, open: new Set(), valid: concat(Uint8Array.of(0, 32), m0) };
  },
  expected: () => null,
  async run(c, rnd) {
    const stream = await tcpTransport.connect(c.listener.address);
    c.open.add(stream);
    stream.on('error', () => {});
    const closed = new Promise<void>((r) => stream.once('close', () => r()));
    const s = rnd.int(3);
    const bytes = s === 0 ? rnd.bytes(rnd.int(400)) : s === 1 ? mutateBytes(rnd, c.valid) : concat(c.valid, rnd.bytes(rnd.int(FRAME_BYTES * 2)));
    recordInput(bytes);
    // Trickle the bytes in pieces, then half-close: the listener must close its end.
    let o = 0;
    while (o < bytes.length) {
      const n = 1 + rnd.int(64);
      stream.write(bytes.subarray(o, o + n));
      o += n;
    }
    stream.end();
    stream.resume();
    await closed;
    c.open.delete(stream);
  },
  async after(c) {
    // Still serves an honest dialer after the campaign (a dead listener would be a crash).
    const { dialLink } = await import('../src/link/dial.js');
    const conn = await dialLink({ host: '127.0.0.1', port: c.listener.address.port, frameBytes: FRAME_BYTES, staticKey: c.dialerKey, expectedPeerKey: c.key.publicKey });
    conn.close();
  },
  async teardown(c) {
    for (const s of c.open) s.destroy();
    await c.listener.close();
  },
};

// ---- descriptors and consensus documents.
interface DirCtx {
  descriptors: Uint8Array[];
  consensus: Uint8Array;
  json: SignedConsensusJson;
  trusted: Uint8Array[];
}

const EPOCH = 10;

function dirSetup(): DirCtx {
  const nodes = makeTestNetwork(2, 3);
  const signed = nodes.map((n) => n.descriptorFor(EPOCH));
  const authorities = [0, 1, 2].map((i) => testSigner(`authority/${i}`));
  const c = buildConsensus({ epoch: EPOCH, descriptors: signed, sharedRandom: new Uint8Array(32).fill(3), params: TEST_PARAMS, sphinxGeometryHash: TEST_GEOMETRY_HASH });
  const bytes = encodeConsensus(c);
  const json = encodeSignedConsensusJson(EPOCH, bytes, authorities.map((a) => signConsensus(bytes, a)));
  return { descriptors: signed.map((s) => s.encoded), consensus: bytes, json, trusted: authorities.map((a) => a.publicKey) };
}

/** Mutations that keep a length-prefixed structure plausible: rewrite one u16/u32 length field. */
function lengthFieldMutation(rnd: Rng, x: Uint8Array): Uint8Array {
  const out = x.slice();
  if (out.length < 4) return out;
  const at = rnd.int(out.length - 2);
  const v = rnd.pick([0, 1, 0xff, 0x100, 0x7fff, 0xffff, out.length - at, out.length - at - 2, rnd.int(0x10000)]);
  out[at] = (v >> 8) & 0xff;
  out[at + 1] = v & 0xff;
  return out;
}

const descriptorDecode: FuzzTarget<DirCtx> = {
  name: 'descriptor_decode',
  setup: dirSetup,
  expected: typedErrors('DescriptorError'),
  run(c, rnd) {
    const original = rnd.pick(c.descriptors);
    const s = rnd.int(10);
    const b = s < 6 ? mutateBytes(rnd, original) : s < 8 ? lengthFieldMutation(rnd, original) : s < 9 ? rnd.bytes(rnd.int(3000)) : original;
    recordInput(b);
    const sd = decodeSignedDescriptor(b, { epoch: rnd.chance(0.9) ? EPOCH : EPOCH + 1 });
    invariant(Buffer.from(sd.encoded).equals(Buffer.from(b)), 'decoded descriptor differs from its bytes');
    invariant(Buffer.from(b).equals(Buffer.from(original)), 'a modified descriptor kept a valid signature');
  },
};

const consensusDecode: FuzzTarget<DirCtx> = {
  name: 'consensus_decode',
  setup: dirSetup,
  expected: typedErrors('ConsensusError'),
  run(c, rnd) {
    const s = rnd.int(10);
    const b = s < 6 ? mutateBytes(rnd, c.consensus) : s < 9 ? lengthFieldMutation(rnd, c.consensus) : rnd.bytes(rnd.int(4000));
    recordInput(b);
    const doc = decodeConsensus(b);
    // Canonical encoding: whatever decodes must encode back to the same bytes.
    invariant(Buffer.from(encodeConsensus(doc)).equals(Buffer.from(b)), 'decoded consensus is not canonical');
  },
};

const consensusVerify: FuzzTarget<DirCtx> = {
  name: 'consensus_verify',
  setup: dirSetup,
  expected: typedErrors('ConsensusError'),
  run(c, rnd) {
    const text = JSON.stringify(c.json);
    let doc: unknown;
    const s = rnd.int(10);
    if (s < 4) doc = mutateJson(rnd, JSON.parse(text));
    else if (s < 7) doc = mutateString(rnd, text);
    else if (s < 9) doc = { ...c.json, document: Buffer.from(mutateBytes(rnd, c.consensus)).toString('base64') };
    else doc = rnd.pick([null, 1, 'x', [], {}, text.slice(0, rnd.int(text.length))]);
    recordInput(doc);
    const v = verifyConsensus(doc, c.trusted, 2, { epoch: EPOCH, sphinxGeometryHash: TEST_GEOMETRY_HASH });
    invariant(Buffer.from(v.bytes).equals(Buffer.from(c.consensus)), 'a modified document verified');
  },
};

// ---- config parsing: JSON text → parseConfig with a validator that uses every ConfigReader check.
const SAMPLE_CONFIG = {
  name: 'mix-1',
  role: 'mix',
  dataDir: './data',
  link: { frameBytes: 3100, handshakeTimeoutMs: 5000 },
  identityKey: '00'.repeat(32),
  authorities: [{ url: 'http://127.0.0.1:7000', key: '11'.repeat(32) }],
  metrics: { enabled: true, port: 9100, ratio: 0.5 },
};

function sampleValidator(r: ConfigReader): unknown {
  r.object('', ['name', 'role', 'dataDir', 'link', 'identityKey', 'authorities', 'metrics']);
  return {
    name: r.string('name', { maxLength: 64, pattern: /^[a-z0-9-]+$/ }),
    role: r.oneOf('role', ['mix', 'provider']),
    dataDir: r.path('dataDir'),
    link: resolveLinkConfig(r.object('link') as never, 'link') as LinkConfig,
    identityKey: r.hex('identityKey', 32),
    authorities: r.array('authorities', (a) => ({ url: a.url('url', ['http:', 'https:']), key: a.hex('key', 32) }), { minLength: 1, maxLength: 16 }),
    metrics: { enabled: r.at('metrics').bool('enabled'), port: r.int('metrics.port', { min: 0, max: 65535 }), ratio: r.number('metrics.ratio', { min: 0, max: 1 }) },
  };
}

const configParse: FuzzTarget<string> = {
  name: 'config_parse',
  setup: () => JSON.stringify(SAMPLE_CONFIG),
  expected: typedErrors('ConfigError'),
  run(text, rnd) {
    let raw: unknown;
    if (rnd.chance(0.5)) raw = mutateJson(rnd, JSON.parse(text));
    else {
      try {
        raw = JSON.parse(mutateString(rnd, text));
      } catch {
        return; // not JSON: loadConfigFile turns that into a ConfigError before parseConfig
      }
    }
    recordInput(raw);
    const cfg = parseConfig(raw, {}, sampleValidator, '/tmp') as { link: LinkConfig };
    invariant(Object.isFrozen(cfg) && Object.isFrozen(cfg.link), 'config is not frozen');
  },
};

await runFuzzMain(import.meta.filename, [
  linkCommands,
  linkHandshake,
  linkFrames,
  linkTcp,
  descriptorDecode,
  consensusDecode,
  consensusVerify,
  configParse,
] as FuzzTarget<never>[]);
