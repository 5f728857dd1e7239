// In-memory twin of the TCP transport (in the spirit of wireguard-go's in-memory binds): a pair
// of Duplex ends with the same ordering and backpressure behaviour as a socket, so tests and the
// simulator run the very same Noise session code without the kernel.
import { Duplex } from 'node:stream';
import type { LinkAddress, LinkTransport, TransportServer } from './transport.js';

/** Default bytes an end buffers for its reader before the writer sees backpressure. */
export const MEMORY_HIGH_WATER_MARK_BYTES = 64 * 1024;

class MemoryEnd extends Duplex {
  peer: MemoryEnd | null = null;
  private blockedWrite: (() => void) | null = null;

  constructor(highWaterMark: number) {
    super({ highWaterMark, allowHalfOpen: false });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    // Deliver on a later turn, in order (Writable serialises _write calls), like a socket would.
    setImmediate(() => {
      const peer = this.peer;
      if (peer === null || peer.destroyed || peer.readableEnded) {
        callback(new Error('memory transport: peer closed'));
        return;
      }
      if (peer.push(Buffer.from(chunk))) callback();
      else peer.blockedWrite = callback; // released when the peer's reader asks for more
    });
  }

  override _read(): void {
    const release = this.blockedWrite;
    if (release !== null) {
      this.blockedWrite = null;
      release();
    }
  }

  override _final(callback: (error?: Error | null) => void): void {
    setImmediate(() => {
      this.peer?.push(null);
      callback();
    });
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const peer = this.peer;
    this.peer = null;
    const release = this.blockedWrite;
    this.blockedWrite = null;
    release?.();
    if (peer !== null && !peer.destroyed) setImmediate(() => peer.destroy());
    callback(error);
  }
}

/** A connected pair of in-memory streams. */
export function createMemoryStreamPair(highWaterMark = MEMORY_HIGH_WATER_MARK_BYTES): [Duplex, Duplex] {
  const a = new MemoryEnd(highWaterMark);
  const b = new MemoryEnd(highWaterMark);
  a.peer = b;
  b.peer = a;
  for (const end of [a, b]) end.on('error', () => {});
  return [a, b];
}

/** A private in-memory network: listeners register by host:port; connect() reaches them. */
export class MemoryTransport implements LinkTransport {
  private readonly listeners = new Map<string, (stream: Duplex) => void>();
  private nextPort = 40000;

  constructor(private readonly highWaterMark = MEMORY_HIGH_WATER_MARK_BYTES) {}

  listen(address: LinkAddress, onStream: (stream: Duplex) => void): Promise<TransportServer> {
    let port = address.port;
    if (port === 0) {
      while (this.listeners.has(`${address.host}:${this.nextPort}`)) this.nextPort++;
      port = this.nextPort++;
    }
    const key = `${address.host}:${port}`;
    if (this.listeners.has(key)) return Promise.reject(new Error(`memory transport: ${key} in use`));
    this.listeners.set(key, onStream);
    return Promise.resolve({
      address: Object.freeze({ host: address.host, port }),
      close: async () => {
        this.listeners.delete(key);
      },
    });
  }

  connect(address: LinkAddress): Promise<Duplex> {
    const onStream = this.listeners.get(`${address.host}:${address.port}`);
    if (onStream === undefined) {
      return Promise.reject(new Error(`memory transport: connection refused ${address.host}:${address.port}`));
    }
    const [client, server] = createMemoryStreamPair(this.highWaterMark);
    setImmediate(() => onStream(server));
    return Promise.resolve(client);
  }
}
