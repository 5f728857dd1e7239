// dialLink: connects, runs the initiator handshake against the expected peer key and waits for
// the listener's confirmation.
import { assert, assertBytes, assertString } from '../assert.js';
import { resolveLinkConfig, type LinkConfigInput } from './config.js';
import { LinkConnection } from './connection.js';
import { HandshakeError } from './errors.js';
import { runDialerHandshake, withHandshakeTimeout } from './handshake.js';
import { NOOP_LINK_METRICS, type LinkMetrics } from './metrics.js';
import { StreamPort } from './stream-reader.js';
import { tcpTransport } from './tcp-transport.js';
import type { LinkTransport } from './transport.js';
import { privateKeyObject, X25519_KEY_BYTES, type LinkKeyPair } from './x25519.js';

export interface DialLinkOptions<P> extends LinkConfigInput {
  host: string;
  port: number;
  staticKey: LinkKeyPair;
  /** The listener's link key from the consensus (or the provider's key, for clients). */
  expectedPeerKey: Uint8Array;
  /** Attached to the connection as `peer` (e.g. the peer's descriptor). */
  peer?: P;
  transport?: LinkTransport;
  metrics?: LinkMetrics;
}

/**
 * Dials a link. Rejects with HandshakeError: 'connect_failed', 'timeout', 'wrong_peer_key',
 * 'bad_handshake', 'low_order', 'refused' (the listener did not authorize us) or 'closed'.
 */
export async function dialLink<P = undefined>(opts: DialLinkOptions<P>): Promise<LinkConnection<P>> {
  assert(typeof opts === 'object' && opts !== null, 'options: expected an object');
  assertString('host', opts.host, 255);
  assertBytes('expectedPeerKey', opts.expectedPeerKey, X25519_KEY_BYTES);
  const config = resolveLinkConfig(opts);
  privateKeyObject(opts.staticKey);
  const metrics = opts.metrics ?? NOOP_LINK_METRICS;
  const transport = opts.transport ?? tcpTransport;
  let port: StreamPort | null = null;
  let timedOut = false;
  try {
    return await withHandshakeTimeout(
      config.handshakeTimeoutMs,
      (async () => {
        let stream;
        try {
          stream = await transport.connect({ host: opts.host, port: opts.port });
        } catch (cause) {
          throw new HandshakeError('connect_failed', `cannot connect to ${opts.host}:${opts.port}`, { cause });
        }
        if (timedOut) {
          stream.destroy();
          throw new HandshakeError('timeout', 'connected after the deadline');
        }
        port = new StreamPort(stream);
        const hs = await runDialerHandshake(port, config, opts.staticKey, opts.expectedPeerKey);
        const conn = new LinkConnection<P>({
          port, config, metrics, role: 'dialer', send: hs.send, recv: hs.recv,
          peerKey: hs.remoteStaticKey, peer: opts.peer as P, handshakeHash: hs.handshakeHash,
          sentFrames: 0, recvFrames: 1, // the confirmation NoOp
        });
        setImmediate(() => conn.start());
        return conn;
      })(),
      () => {
        timedOut = true;
        (port as StreamPort | null)?.stream.destroy();
      },
    );
  } catch (err) {
    const error = err instanceof HandshakeError ? err : new HandshakeError('bad_handshake', 'handshake failed', { cause: err });
    metrics.handshakeFailed(error.reason);
    const p = port as StreamPort | null;
    if (p !== null) {
      p.setListener(null);
      p.stream.destroy();
    }
    throw error;
  }
}
