// Link protocol benchmarks. Run: node --import tsx --conditions=strata-source core/bench/link.bench.ts
// Prints one JSON object per line (medians over rounds). Both ends run in this one process, so
// throughput figures include encryption and decryption on the same core.
import { CipherState } from '../src/link/cipher-state.js';
import { dialLink } from '../src/link/dial.js';
import { XXHandshakeState } from '../src/link/handshake-state.js';
import { createLinkListener } from '../src/link/listener.js';
import { generateLinkKeyPair } from '../src/link/x25519.js';
import type { LinkCommand } from '../src/link/commands.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const FRAME_BYTES = 3100;
const EMPTY = new Uint8Array(0);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function print(name: string, usPerOp: number, extra: Record<string, unknown> = {}): void {
  const round = (x: number): number => Math.round(x * 10) / 10;
  console.log(JSON.stringify({ name, backend: 'node', us_per_op: round(usPerOp), ops_per_s: Math.round(1e6 / usPerOp), ...extra }));
}

function timeUs(ops: number, f: () => void): number {
  const t = process.hrtime.bigint();
  for (let i = 0; i < ops; i++) f();
  return Number(process.hrtime.bigint() - t) / 1000 / ops;
}

// 1. XX handshake, both sides in process, no I/O (3 messages + split).
{
  const a = generateLinkKeyPair();
  const b = generateLinkKeyPair();
  const prologue = new Uint8Array(22);
  const once = (): void => {
    const i = new XXHandshakeState({ role: 'initiator', prologue, staticKey: a });
    const r = new XXHandshakeState({ role: 'responder', prologue, staticKey: b });
    r.readMessage(i.writeMessage(EMPTY));
    i.readMessage(r.writeMessage(EMPTY));
    r.readMessage(i.writeMessage(EMPTY));
    i.split();
    r.split();
  };
  for (let i = 0; i < 50; i++) once();
  print('link_handshake_xx_both_sides', median(Array.from({ length: ROUNDS }, () => timeUs(200, once))));
}

// 2. Encrypt + decrypt of one 3100-byte frame (3082-byte command plaintext).
{
  const key = new Uint8Array(32).fill(1);
  const tx = new CipherState();
  const rx = new CipherState();
  tx.initializeKey(key);
  rx.initializeKey(key);
  const plaintext = new Uint8Array(FRAME_BYTES - 18);
  const once = (): void => void rx.decryptWithAd(EMPTY, tx.encryptWithAd(EMPTY, plaintext));
  for (let i = 0; i < 1000; i++) once();
  print('link_frame_encrypt_decrypt', median(Array.from({ length: ROUNDS }, () => timeUs(5000, once))), { frame_bytes: FRAME_BYTES });
}

// 3. Dial over TCP loopback (connect, handshake, confirmation) and frames/s one direction.
{
  const listenerKey = generateLinkKeyPair();
  const dialerKey = generateLinkKeyPair();
  let received = 0;
  const listener = await createLinkListener({
    host: '127.0.0.1', port: 0, frameBytes: FRAME_BYTES, staticKey: listenerKey, authorize: () => true,
  });
  listener.on('connection', (c) => c.on('command', () => received++));
  const dial = () => dialLink({
    host: '127.0.0.1', port: listener.address.port, frameBytes: FRAME_BYTES, staticKey: dialerKey,
    expectedPeerKey: listenerKey.publicKey,
  });

  const dialUs: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const n = 50;
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) (await dial()).close();
    dialUs.push(Number(process.hrtime.bigint() - t) / 1000 / n);
  }
  print('link_dial_tcp_loopback', median(dialUs));

  const conn = await dial();
  const cmd: LinkCommand = { kind: 'SendPacket', packet: new Uint8Array(FRAME_BYTES - 24).fill(7) };
  const rates: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const n = 20_000;
    const start = received;
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await conn.send(cmd);
    while (received < start + n) await new Promise((res) => setImmediate(res));
    rates.push(n / (Number(process.hrtime.bigint() - t) / 1e9));
  }
  const fps = median(rates);
  print('link_frames_one_direction_tcp', 1e6 / fps, { frame_bytes: FRAME_BYTES, frames_per_s: Math.round(fps), mbit_per_s: Math.round((fps * FRAME_BYTES * 8) / 1e6) });
  conn.close();
  await listener.close();
}
