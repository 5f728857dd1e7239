// The byte-stream transport under the link. The Noise session code is the same whatever carries
// the bytes: TCP (tcp-transport.ts) in production, an in-memory twin (memory-transport.ts) in
// tests and the simulator. Streams are node Duplexes: write() returning false and 'drain' carry
// backpressure, pause()/resume() stop and restart reading.
import type { Duplex } from 'node:stream';

export interface LinkAddress {
  readonly host: string;
  readonly port: number;
}

export interface TransportServer {
  /** The bound address (the real port when 0 was asked for). */
  readonly address: LinkAddress;
  /** Stops accepting; existing streams are left to their owners. */
  close(): Promise<void>;
}

export interface LinkTransport {
  /** Accepts incoming streams on `address` (port 0: any free port). */
  listen(address: LinkAddress, onStream: (stream: Duplex) => void): Promise<TransportServer>;
  /** Opens a stream to `address`; rejects if nothing listens there. */
  connect(address: LinkAddress): Promise<Duplex>;
}
