// TCP transport (node:net). Nagle is disabled: frames are already fixed-size and batched by the
// caller; latency matters more than the few bytes it would save.
import { createServer, connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { LinkAddress, LinkTransport, TransportServer } from './transport.js';

function prepare(socket: Socket): Socket {
  socket.setNoDelay(true);
  // A stream error is reported through 'close'; without a listener it would crash the process.
  socket.on('error', () => {});
  return socket;
}

export const tcpTransport: LinkTransport = Object.freeze({
  listen(address: LinkAddress, onStream: (stream: Duplex) => void): Promise<TransportServer> {
    return new Promise((resolve, reject) => {
      const server = createServer((socket) => onStream(prepare(socket)));
      server.on('error', reject);
      server.listen(address.port, address.host, () => {
        server.off('error', reject);
        server.on('error', () => {});
        const bound = server.address();
        const port = typeof bound === 'object' && bound !== null ? bound.port : address.port;
        resolve({
          address: Object.freeze({ host: address.host, port }),
          close: () => new Promise<void>((done) => server.close(() => done())),
        });
      });
    });
  },

  connect(address: LinkAddress): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      const socket = netConnect({ host: address.host, port: address.port });
      const onError = (err: Error): void => {
        socket.destroy();
        reject(err);
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        socket.off('error', onError);
        resolve(prepare(socket));
      });
    });
  },
});
