// Caps on open connections for HTTP(S) servers facing the network (provider client API,
// directory): at most `maxConnections` in all and `maxConnectionsPerSource` from one remote IP.
// A connection beyond either is destroyed before any byte is read (before the TLS handshake on
// HTTPS) and counted through `onRefuse`. Complements installRequestDeadline, which bounds each
// request's time: together they bound what one address can hold open.
import type { Server, Socket } from 'node:net';
import { assert, assertInt } from './assert.js';

export type ConnectionRefusal = 'too_many_connections' | 'too_many_from_source';

export interface ConnectionLimits {
  readonly maxConnections: number;
  readonly maxConnectionsPerSource: number;
}

export interface ConnectionLimitState {
  /** Connections admitted and still open. */
  readonly open: number;
}

/** Installs the caps on `server` (a net, http or https server, before or after listen()). */
export function installConnectionLimit(server: Server, limits: ConnectionLimits, onRefuse: (reason: ConnectionRefusal) => void): ConnectionLimitState {
  assert(typeof server?.on === 'function', 'server: expected a net.Server');
  assertInt('maxConnections', limits.maxConnections, 1, 10_000_000);
  assertInt('maxConnectionsPerSource', limits.maxConnectionsPerSource, 1, 10_000_000);
  assert(typeof onRefuse === 'function', 'onRefuse: expected a function');
  let open = 0;
  const bySource = new Map<string, number>();
  // https.Server emits 'connection' with the raw TCP socket, before the TLS handshake.
  server.on('connection', (socket: Socket) => {
    const source = socket.remoteAddress ?? '';
    const fromSource = bySource.get(source) ?? 0;
    const refusal: ConnectionRefusal | null =
      open >= limits.maxConnections ? 'too_many_connections' : fromSource >= limits.maxConnectionsPerSource ? 'too_many_from_source' : null;
    if (refusal !== null) {
      socket.destroy();
      try {
        onRefuse(refusal);
      } catch {
        /* counting must never keep the connection */
      }
      return;
    }
    open++;
    bySource.set(source, fromSource + 1);
    socket.once('close', () => {
      open--;
      const n = (bySource.get(source) ?? 1) - 1;
      if (n <= 0) bySource.delete(source);
      else bySource.set(source, n);
    });
  });
  return {
    get open() {
      return open;
    },
  };
}
