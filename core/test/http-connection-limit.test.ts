import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { installConnectionLimit, type ConnectionRefusal } from '../src/http-connection-limit.js';
import { waitFor } from './node/manual-timers.js';

async function listen(limits: { maxConnections: number; maxConnectionsPerSource: number }) {
  const refused: ConnectionRefusal[] = [];
  const server: Server = createServer((_req, res) => res.end('ok'));
  const state = installConnectionLimit(server, limits, (r) => refused.push(r));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { server, port, refused, state };
}

function open(port: number, sockets: Socket[]): Promise<Socket> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', () => {});
    sockets.push(s);
  });
}

async function get(port: number): Promise<number> {
  return (await fetch(`http://127.0.0.1:${port}/`, { headers: { connection: 'close' } })).status;
}

describe('installConnectionLimit', () => {
  const sockets: Socket[] = [];
  afterEach(() => {
    for (const s of sockets.splice(0)) s.destroy();
  });

  it('closes a connection beyond maxConnectionsPerSource from one IP and counts it', async () => {
    const { server, port, refused } = await listen({ maxConnections: 100, maxConnectionsPerSource: 2 });
    try {
      await open(port, sockets);
      await open(port, sockets);
      const third = await open(port, sockets);
      await new Promise((r) => third.once('close', r));
      assert.deepEqual(refused, ['too_many_from_source']);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('closes a connection beyond maxConnections in all, then serves again once one closes', async () => {
    const { server, port, refused, state } = await listen({ maxConnections: 1, maxConnectionsPerSource: 10 });
    try {
      const first = await open(port, sockets);
      const second = await open(port, sockets);
      await new Promise((r) => second.once('close', r));
      assert.deepEqual(refused, ['too_many_connections']);
      first.destroy();
      await waitFor(() => state.open === 0);
      assert.equal(await get(port), 200);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('rejects a limit of zero with AssertionError', () => {
    assert.throws(() => installConnectionLimit(createServer(), { maxConnections: 0, maxConnectionsPerSource: 1 }, () => {}), { name: 'AssertionError' });
  });
});
