// Attacker of the flood test (a child of flood.ts): at full speed, on 127.0.0.1, until told to
// stop — random bytes on the link port; full Noise XX handshakes with a key the mix does not know;
// stalled handshakes (a valid first message, then silence); and handshakes with an authorized key
// followed by garbage frames. Every worker reconnects as soon as the mix drops it.
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { fromHex } from '@strata/core/bytes';
import { dialLink } from '@strata/core/link/dial';
import { tcpTransport } from '@strata/core/link/tcp-transport';
import type { LinkTransport } from '@strata/core/link/transport';
import { generateLinkKeyPair, linkKeyPairFromPrivateKey } from '@strata/core/link/x25519';
import { seededRng } from '@strata/core/sched/rng';
import type { AttackCounts, AttackSetup, FromAttack, ToAttack } from './flood-protocol.js';

const GARBAGE_POOL_BYTES = 1 << 20;
const GARBAGE_CHUNK_BYTES = 16 * 1024;
/** The attacker gives up on a handshake after this (so stop is prompt). */
const ATTACKER_HANDSHAKE_TIMEOUT_MS = 3000;
/** Stalled-handshake sockets per unit of concurrency. */
const STALLED_PER_WORKER = 16;
let setup: AttackSetup | undefined;
let stopping = false;
let garbage = new Uint8Array(0);
const live = new Set<Duplex>();
const counts: AttackCounts = {
  garbageConnections: 0, garbageBytes: 0, handshakeAttempts: 0, stalledHandshakes: 0,
  authenticatedGarbageLinks: 0, authenticatedRefused: 0, garbageFrames: 0,
};

function reply(msg: FromAttack): void {
  process.send!(msg);
}

function slice(rng: ReturnType<typeof seededRng>, bytes: number): Uint8Array {
  const at = rng.int(GARBAGE_POOL_BYTES - bytes);
  return garbage.subarray(at, at + bytes);
}

/** Opens a socket, runs `onOpen`, and resolves when the mix (or stop) closes it. */
function socketSession(onOpen: (s: Socket) => void): Promise<void> {
  const s = setup!;
  return new Promise((resolve) => {
    const sock = connect(s.port, s.host);
    live.add(sock);
    sock.on('error', () => {});
    sock.on('connect', () => onOpen(sock));
    sock.on('close', () => {
      live.delete(sock);
      resolve();
    });
    sock.resume(); // discard whatever the mix answers
  });
}

/** Writes garbage as fast as the socket drains, until it closes. */
function pump(sock: Socket | Duplex, next: () => Uint8Array, onChunk: (n: number) => void): void {
  const write = (): void => {
    while (!sock.destroyed && !stopping) {
      const chunk = next();
      onChunk(chunk.length);
      if (!sock.write(chunk)) {
        sock.once('drain', write);
        return;
      }
    }
  };
  write();
}

async function garbageWorker(seed: number): Promise<void> {
  const rng = seededRng(seed);
  while (!stopping) {
    counts.garbageConnections++;
    await socketSession((sock) => pump(sock, () => slice(rng, 1 + rng.int(GARBAGE_CHUNK_BYTES)), (n) => (counts.garbageBytes += n)));
  }
}

async function handshakeWorker(): Promise<void> {
  const s = setup!;
  const stranger = generateLinkKeyPair();
  while (!stopping) {
    counts.handshakeAttempts++;
    try {
      const c = await dialLink({ host: s.host, port: s.port, frameBytes: s.frameBytes, staticKey: stranger, expectedPeerKey: fromHex(s.mixLinkKey), handshakeTimeoutMs: ATTACKER_HANDSHAKE_TIMEOUT_MS });
      c.close(); // not expected: the mix does not know this key
    } catch {
      /* refused, rate-limited or timed out: go again */
    }
  }
}

async function stalledWorker(): Promise<void> {
  while (!stopping) {
    counts.stalledHandshakes++;
    // Noise XX message 1 framed as the link does (u16be length 32, then an ephemeral key), then silence.
    const eph = generateLinkKeyPair().publicKey;
    await socketSession((sock) => sock.write(Uint8Array.from([0, 32, ...eph])));
  }
}

async function authenticatedGarbageWorker(seed: number): Promise<void> {
  const s = setup!;
  const rng = seededRng(seed);
  const key = linkKeyPairFromPrivateKey(fromHex(s.authorizedLinkPrivateKey));
  while (!stopping) {
    let raw: Duplex | undefined;
    const capture: LinkTransport = {
      listen: (a, on) => tcpTransport.listen(a, on),
      connect: async (a) => (raw = await tcpTransport.connect(a)),
    };
    try {
      const c = await dialLink({ host: s.host, port: s.port, frameBytes: s.frameBytes, staticKey: key, expectedPeerKey: fromHex(s.mixLinkKey), transport: capture, handshakeTimeoutMs: ATTACKER_HANDSHAKE_TIMEOUT_MS });
      counts.authenticatedGarbageLinks++;
      const closed = new Promise<void>((r) => {
        c.once('close', () => r());
        raw!.once('close', () => r());
      });
      live.add(raw!);
      if (stopping) raw!.destroy();
      pump(raw!, () => slice(rng, s.frameBytes), () => counts.garbageFrames++);
      await closed;
      c.close();
      live.delete(raw!);
    } catch {
      counts.authenticatedRefused++;
      await new Promise((r) => setImmediate(r));
    }
  }
}

let workers: Promise<void>[] = [];

process.on('message', (raw) => {
  const msg = raw as ToAttack;
  if (msg.kind === 'setup') {
    setup = msg.setup;
    const rng = seededRng(setup.seed);
    garbage = new Uint8Array(GARBAGE_POOL_BYTES);
    for (let i = 0; i < garbage.length; i++) garbage[i] = rng.int(256);
    reply({ kind: 'ready' });
  } else if (msg.kind === 'start') {
    const n = setup!.concurrency;
    for (let i = 0; i < n; i++) {
      workers.push(garbageWorker(setup!.seed + 1 + i), handshakeWorker(), authenticatedGarbageWorker(setup!.seed + 1000 + i));
    }
    // Stalled handshakes cost the attacker nothing but a socket: hold many at once.
    for (let i = 0; i < n * STALLED_PER_WORKER; i++) workers.push(stalledWorker());
  } else {
    stopping = true;
    for (const sock of live) sock.destroy();
    void Promise.all(workers).then(() => {
      workers = [];
      reply({ kind: 'stopped', counts });
      process.disconnect();
    });
  }
});
