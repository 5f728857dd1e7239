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

export class LinkListener<P = unknown> extends EventEmitter<LinkListenerEvents<P>> {
  private pending = 0;
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

  /** @internal */
  async accept(stream: Duplex, config: LinkConfig, opts: LinkListenerOptions<P>, metrics: LinkMetrics): Promise<void> {
    if (this.closing) {
      stream.destroy();
      return;
    }
    if (this.pending >= config.maxPendingHandshakes) {
      metrics.handshakeFailed('too_many_handshakes');
      stream.destroy();
      return;
    }
    this.pending++;
    this.handshaking.add(stream);
    const port = new StreamPort(stream);
    let conn: LinkConnection<P>;
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
          return new LinkConnection<P>({
            port, config, metrics, role: 'listener', send: hs.send, recv: hs.recv,
            peerKey: hs.remoteStaticKey, peer, handshakeHash: hs.handshakeHash, sentFrames: 0, recvFrames: 0,
          });
        })(),
        () => stream.destroy(),
      );
    } catch (err) {
      const error = err instanceof HandshakeError ? err : new HandshakeError('bad_handshake', 'handshake failed', { cause: err });
      metrics.handshakeFailed(error.reason);
      port.setListener(null);
      stream.destroy();
      if (this.listenerCount('handshakeError') > 0) this.emit('handshakeError', error);
      return;
    } finally {
      this.pending--;
      this.handshaking.delete(stream);
    }
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
