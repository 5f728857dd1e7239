// createLinkListener: accepts links, runs the responder handshake, authorizes the initiator's
// static key and hands out confirmed LinkConnections.
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { assert, assertString } from '../assert.js';
import { resolveLinkConfig, type LinkConfig, type LinkConfigInput } from './config.js';
import { LinkConnection } from './connection.js';
import { HandshakeError } from './errors.js';
import { runListenerHandshake, withHandshakeTimeout } from './handshake.js';
import { NOOP_LINK_METRICS, type LinkMetrics } from './metrics.js';
import { StreamPort } from './stream-reader.js';
import { tcpTransport } from './tcp-transport.js';
import type { LinkAddress, LinkTransport } from './transport.js';
import { privateKeyObject, type LinkKeyPair } from './x25519.js';

/**
 * Decides whether an initiator's static key may use this listener (mix/provider keys from the
 * consensus, client keys registered at the provider). Return null to refuse ('unknown_peer').
 */
export type LinkAuthorizer<P> = (peerStaticKey: Uint8Array) => P | null | Promise<P | null>;

export interface LinkListenerOptions<P> extends LinkConfigInput {
  host: string;
  port: number;
  staticKey: LinkKeyPair;
  authorize: LinkAuthorizer<P>;
  transport?: LinkTransport;
  metrics?: LinkMetrics;
}

export interface LinkListenerEvents<P> {
  connection: [LinkConnection<P>];
  /** A handshake failed (already counted); informational, never required. */
  handshakeError: [HandshakeError];
}

/** Remote IP of a TCP stream; undefined for transports without addresses (in-memory). */
function sourceOf(stream: Duplex): string | undefined {
  const ip = (stream as Duplex & { remoteAddress?: unknown }).remoteAddress;
  return typeof ip === 'string' ? ip : undefined;
}

export class LinkListener<P = unknown> extends EventEmitter<LinkListenerEvents<P>> {
  private pending = 0;
  /** Handshakes in progress per remote IP (limit: maxPendingHandshakesPerSource). */
  private readonly pendingBySource = new Map<string, number>();
  /** Links per authenticated static key (hex), reserved once authorized (limit: maxConnectionsPerPeer). */
  private readonly linksByPeer = new Map<string, number>();
  /** Token bucket of handshakesPerSecond: tokens left and when they were last refilled. */
  private tokens = -1;
  private tokensAt = 0;
  private readonly open = new Set<LinkConnection<P>>();
  private readonly handshaking = new Set<Duplex>();
  private closing = false;

  /** @internal use createLinkListener */
  constructor(
    readonly address: LinkAddress,
    private readonly closeServer: () => Promise<void>,
  ) {
    super();
  }

  /** Handshakes in progress. */
  get pendingHandshakes(): number {
    return this.pending;
  }

  /** Stops accepting, aborts handshakes in progress and closes every connection it handed out. */
  async close(): Promise<void> {
    this.closing = true;
    for (const stream of this.handshaking) stream.destroy();
    for (const conn of this.open) conn.close();
    this.open.clear();
    await this.closeServer(); // TCP: resolves once every accepted socket is gone
  }

  /** Links open (or being confirmed) for a peer's static key. */
  linksOf(peerStaticKey: Uint8Array): number {
    return this.linksByPeer.get(Buffer.from(peerStaticKey).toString('hex')) ?? 0;
  }

  private releasePeer(hex: string): void {
    const n = (this.linksByPeer.get(hex) ?? 1) - 1;
    if (n <= 0) this.linksByPeer.delete(hex);
    else this.linksByPeer.set(hex, n);
  }

  /** Admission before any crypto: global and per-source concurrency, then the handshake rate. */
  private admit(stream: Duplex, config: LinkConfig): 'too_many_handshakes' | 'too_many_from_source' | 'handshake_rate' | null {
    if (this.pending >= config.maxPendingHandshakes) return 'too_many_handshakes';
    const source = sourceOf(stream);
    if (source !== undefined && (this.pendingBySource.get(source) ?? 0) >= config.maxPendingHandshakesPerSource) return 'too_many_from_source';
    const now = performance.now();
    if (this.tokens < 0) this.tokens = config.handshakeBurst;
    else this.tokens = Math.min(config.handshakeBurst, this.tokens + ((now - this.tokensAt) * config.handshakesPerSecond) / 1000);
    this.tokensAt = now;
    if (this.tokens < 1) return 'handshake_rate';
    this.tokens -= 1;
    return null;
  }

  /** @internal */
  async accept(stream: Duplex, config: LinkConfig, opts: LinkListenerOptions<P>, metrics: LinkMetrics): Promise<void> {
    if (this.closing) {
      stream.destroy();
      return;
    }
    const refusal = this.admit(stream, config);
    if (refusal !== null) {
      metrics.handshakeFailed(refusal);
      stream.destroy();
      return;
    }
    const source = sourceOf(stream);
    this.pending++;
    if (source !== undefined) this.pendingBySource.set(source, (this.pendingBySource.get(source) ?? 0) + 1);
    this.handshaking.add(stream);
    const port = new StreamPort(stream);
    let conn: LinkConnection<P>;
    let peerHex: string | undefined;
    try {
      conn = await withHandshakeTimeout(
        config.handshakeTimeoutMs,
        (async () => {
          const hs = await runListenerHandshake(port, config, opts.staticKey);
          let peer: P | null;
          try {
            peer = await opts.authorize(hs.remoteStaticKey);
          } catch (cause) {
            throw new HandshakeError('unknown_peer', 'authorize() threw', { cause });
          }
          if (peer === null || peer === undefined) throw new HandshakeError('unknown_peer', 'peer static key not authorized');
          if (port.closed) throw new HandshakeError('closed', 'stream closed during the handshake');
          // Reserve a link slot for this key now, so concurrent handshakes cannot overshoot the cap.
          const hex = Buffer.from(hs.remoteStaticKey).toString('hex');
          const links = this.linksByPeer.get(hex) ?? 0;
          if (links >= config.maxConnectionsPerPeer) throw new HandshakeError('too_many_connections', 'too many links for this peer');
          this.linksByPeer.set(hex, links + 1);
          peerHex = hex;
          return new LinkConnection<P>({
            port, config, metrics, role: 'listener', send: hs.send, recv: hs.recv,
            peerKey: hs.remoteStaticKey, peer, handshakeHash: hs.handshakeHash, sentFrames: 0, recvFrames: 0,
          });
        })(),
        () => stream.destroy(),
      );
    } catch (err) {
      const error = err instanceof HandshakeError ? err : new HandshakeError('bad_handshake', 'handshake failed', { cause: err });
      if (peerHex !== undefined) this.releasePeer(peerHex);
      metrics.handshakeFailed(error.reason);
      port.setListener(null);
      stream.destroy();
      if (this.listenerCount('handshakeError') > 0) this.emit('handshakeError', error);
      return;
    } finally {
      this.pending--;
      if (source !== undefined) {
        const n = (this.pendingBySource.get(source) ?? 1) - 1;
        if (n <= 0) this.pendingBySource.delete(source);
        else this.pendingBySource.set(source, n);
      }
      this.handshaking.delete(stream);
    }
    const slot = peerHex!;
    if (conn.closed) this.releasePeer(slot);
    else conn.once('close', () => this.releasePeer(slot));
    // Confirmation: the dialer's dialLink resolves on this first frame.
    conn.send({ kind: 'NoOp' }).catch(() => {});
    if (this.closing) {
      conn.close();
      return;
    }
    this.open.add(conn);
    conn.once('close', () => this.open.delete(conn));
    this.emit('connection', conn);
    setImmediate(() => conn.start());
  }
}

/** Listens for links on host:port (port 0: any free port) over TCP or the given transport. */
export async function createLinkListener<P>(opts: LinkListenerOptions<P>): Promise<LinkListener<P>> {
  assert(typeof opts === 'object' && opts !== null, 'options: expected an object');
  assertString('host', opts.host, 255);
  assert(typeof opts.authorize === 'function', 'authorize: expected a function');
  const config = resolveLinkConfig(opts);
  privateKeyObject(opts.staticKey); // validates the key pair up front
  const metrics = opts.metrics ?? NOOP_LINK_METRICS;
  const transport = opts.transport ?? tcpTransport;
  let listener: LinkListener<P> | null = null;
  const early: Duplex[] = [];
  const server = await transport.listen({ host: opts.host, port: opts.port }, (stream) => {
    if (listener === null) early.push(stream);
    else void listener.accept(stream, config, opts, metrics);
  });
  listener = new LinkListener<P>(server.address, () => server.close());
  for (const s of early) void listener.accept(s, config, opts, metrics);
  return listener;
}
