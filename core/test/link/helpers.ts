// Test helpers for the link suites: condition waits, a byte-recording/mutating proxy that works
// over any LinkTransport, and both transports under test.
import { Duplex } from 'node:stream';
import { Registry } from 'prom-client';
import { MemoryTransport } from '../../src/link/memory-transport.js';
import { createPromLinkMetrics } from '../../src/link/prom-metrics.js';
import { tcpTransport } from '../../src/link/tcp-transport.js';
import type { LinkAddress, LinkTransport, TransportServer } from '../../src/link/transport.js';
import type { LinkMetrics } from '../../src/link/metrics.js';
import { createLinkListener, type LinkListener, type LinkListenerOptions } from '../../src/link/listener.js';
import { dialLink, type DialLinkOptions } from '../../src/link/dial.js';
import type { LinkConnection } from '../../src/link/connection.js';
import type { LinkCommand } from '../../src/link/commands.js';
import { generateLinkKeyPair, type LinkKeyPair } from '../../src/link/x25519.js';
import { XXHandshakeState } from '../../src/link/handshake-state.js';
import { linkPrologue, resolveLinkConfig } from '../../src/link/config.js';
import { encodePaddedCommand } from '../../src/link/commands.js';
import type { CipherState } from '../../src/link/cipher-state.js';

/** Resolves once `condition()` holds; polls on timers, so nothing sleeps a fixed period. */
export async function waitFor(condition: () => boolean, what = 'condition', limitMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > limitMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Like waitFor, for an asynchronous condition (e.g. a prom-client counter value). */
export async function waitForAsync(condition: () => Promise<boolean>, what = 'condition', limitMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!(await condition())) {
    if (Date.now() - start > limitMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

export interface TransportCase {
  name: string;
  make(): LinkTransport;
}

export const TRANSPORTS: TransportCase[] = [
  { name: 'TCP', make: () => tcpTransport },
  { name: 'in-memory twin', make: () => new MemoryTransport() },
];

export const HOST = '127.0.0.1';

/** Bytes seen by a proxy, per direction. */
export interface Tap {
  /** Dialer → listener. */
  up: Buffer[];
  /** Listener → dialer. */
  down: Buffer[];
}

export type Mutator = (direction: 'up' | 'down', chunk: Buffer, offset: number) => Buffer;

/**
 * A proxy on `transport` in front of `target`: records every chunk and lets `mutate` rewrite it
 * (offset = bytes already forwarded in that direction).
 */
export async function startProxy(
  transport: LinkTransport,
  target: LinkAddress,
  mutate?: Mutator,
): Promise<{ server: TransportServer; tap: Tap; streams: Duplex[] }> {
  const tap: Tap = { up: [], down: [] };
  const streams: Duplex[] = [];
  const server = await transport.listen({ host: HOST, port: 0 }, (inbound) => {
    streams.push(inbound);
    inbound.pause();
    transport.connect(target).then(
      (outbound) => {
        streams.push(outbound);
        const pipe = (from: Duplex, to: Duplex, dir: 'up' | 'down'): void => {
          let offset = 0;
          from.on('data', (chunk: Buffer) => {
            const out = mutate ? mutate(dir, Buffer.from(chunk), offset) : chunk;
            offset += chunk.length;
            tap[dir].push(Buffer.from(out));
            to.write(out);
          });
          from.on('close', () => to.destroy());
          from.on('error', () => to.destroy());
        };
        pipe(inbound, outbound, 'up');
        pipe(outbound, inbound, 'down');
        inbound.resume();
      },
      () => inbound.destroy(),
    );
  });
  return { server, tap, streams };
}

/** Prom-backed metrics plus a reader for one counter value. */
export function promMetrics(): { metrics: LinkMetrics; registry: Registry; value(name: string, label: string, v: string): Promise<number> } {
  const registry = new Registry();
  const metrics = createPromLinkMetrics(registry);
  return {
    metrics,
    registry,
    async value(name, label, v) {
      const m = await registry.getSingleMetric(name)?.get();
      return m?.values.find((x) => x.labels[label] === v)?.value ?? 0;
    },
  };
}

/** Concatenates the chunks of one direction. */
export function joined(chunks: Buffer[]): Buffer {
  return Buffer.concat(chunks);
}

export const FRAME_BYTES = 256;

export interface Pair {
  listener: LinkListener<string>;
  dialer: LinkConnection<undefined>;
  accepted: LinkConnection<string>;
  listenerKey: LinkKeyPair;
  dialerKey: LinkKeyPair;
  listenerMetrics: ReturnType<typeof promMetrics>;
  dialerMetrics: ReturnType<typeof promMetrics>;
  /** Commands received by each end, in order. */
  atListener: LinkCommand[];
  atDialer: LinkCommand[];
  close(): Promise<void>;
}

/** A listener and one dialed, confirmed connection on `transport`, optionally through a proxy. */
export async function connectPair(
  transport: LinkTransport,
  opts: {
    listener?: Partial<LinkListenerOptions<string>>;
    dialer?: Partial<DialLinkOptions<undefined>>;
    mutate?: Mutator;
    proxy?: boolean;
  } = {},
): Promise<Pair & { tap?: Tap }> {
  const listenerKey = generateLinkKeyPair();
  const dialerKey = generateLinkKeyPair();
  const listenerMetrics = promMetrics();
  const dialerMetrics = promMetrics();
  const atListener: LinkCommand[] = [];
  const atDialer: LinkCommand[] = [];
  const listener = await createLinkListener<string>({
    host: HOST,
    port: 0,
    frameBytes: FRAME_BYTES,
    staticKey: listenerKey,
    authorize: (k) => (Buffer.from(k).equals(Buffer.from(dialerKey.publicKey)) ? 'dialer' : null),
    transport,
    metrics: listenerMetrics.metrics,
    ...opts.listener,
  });
  let accepted: LinkConnection<string> | null = null;
  listener.on('connection', (c) => {
    accepted = c;
    c.on('command', (cmd) => atListener.push(cmd));
  });
  let proxy: Awaited<ReturnType<typeof startProxy>> | undefined;
  let target = listener.address;
  if (opts.proxy || opts.mutate) {
    proxy = await startProxy(transport, listener.address, opts.mutate);
    target = proxy.server.address;
  }
  let dialer: LinkConnection<undefined>;
  try {
    dialer = await dialLink<undefined>({
      host: target.host,
      port: target.port,
      frameBytes: FRAME_BYTES,
      staticKey: dialerKey,
      expectedPeerKey: listenerKey.publicKey,
      transport,
      metrics: dialerMetrics.metrics,
      ...opts.dialer,
    });
  } catch (err) {
    await listener.close();
    if (proxy) {
      await proxy.server.close();
      for (const s of proxy.streams) s.destroy();
    }
    throw err;
  }
  dialer.on('command', (cmd) => atDialer.push(cmd));
  await waitFor(() => accepted !== null, 'accepted connection');
  return {
    listener,
    dialer,
    accepted: accepted!,
    listenerKey,
    dialerKey,
    listenerMetrics,
    dialerMetrics,
    atListener,
    atDialer,
    tap: proxy?.tap,
    async close() {
      dialer.close();
      await listener.close();
      if (proxy) {
        await proxy.server.close();
        for (const s of proxy.streams) s.destroy();
      }
    },
  };
}

/**
 * A hand-driven dialer that completes a real handshake, then lets the test write arbitrary
 * frames: for peers that misbehave after authenticating.
 */
export async function rawDial(
  transport: LinkTransport,
  address: LinkAddress,
  staticKey: LinkKeyPair,
  config: { frameBytes: number; rekeyAfterFrames?: number },
): Promise<{ stream: Duplex; send: CipherState; writeCommandFrame(cmd: LinkCommand): void; writeRaw(b: Uint8Array): void }> {
  const cfg = resolveLinkConfig(config);
  const stream = await transport.connect(address);
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  const have = async (n: number): Promise<Buffer> => {
    await waitFor(() => Buffer.concat(chunks).length >= n, `${n} bytes`);
    return Buffer.concat(chunks);
  };
  const hs = new XXHandshakeState({ role: 'initiator', prologue: linkPrologue(cfg), staticKey });
  const framed = (m: Uint8Array): Buffer => Buffer.concat([Buffer.from([m.length >> 8, m.length & 0xff]), m]);
  stream.write(framed(hs.writeMessage(new Uint8Array(0))));
  hs.readMessage((await have(98)).subarray(2, 98));
  stream.write(framed(hs.writeMessage(new Uint8Array(0))));
  const { send, recv } = hs.split();
  const confirm = (await have(98 + cfg.frameBytes)).subarray(98 + 2, 98 + cfg.frameBytes);
  recv.decryptWithAd(new Uint8Array(0), confirm);
  const writeRaw = (b: Uint8Array): void => void stream.write(b);
  return {
    stream,
    send,
    writeRaw,
    writeCommandFrame(cmd: LinkCommand) {
      const ct = send.encryptWithAd(new Uint8Array(0), encodePaddedCommand(cmd, cfg.frameBytes - 18));
      writeRaw(framed(ct));
    },
  };
}
