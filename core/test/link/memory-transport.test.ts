import { strict as assert } from 'node:assert';
import { createMemoryStreamPair, MemoryTransport } from '../../src/link/memory-transport.js';
import { waitFor } from './helpers.js';

describe('memory transport', () => {
  it('delivers bytes in order', async () => {
    const [a, b] = createMemoryStreamPair();
    const got: Buffer[] = [];
    b.on('data', (c: Buffer) => got.push(c));
    for (let i = 0; i < 100; i++) a.write(Buffer.from([i]));
    await waitFor(() => got.length === 100);
    assert.deepEqual([...Buffer.concat(got)], [...Array(100).keys()]);
    a.destroy();
  });

  it('pushes back on the writer while the reader is paused', async () => {
    const [a, b] = createMemoryStreamPair(1024);
    b.pause();
    let writes = 0;
    while (a.write(Buffer.alloc(256))) writes++;
    assert.ok(writes < 20);
    let drained = false;
    a.once('drain', () => (drained = true));
    b.resume();
    await waitFor(() => drained, 'drain');
    a.destroy();
  });

  it('refuses a connection to an address nobody listens on', async () => {
    await assert.rejects(new MemoryTransport().connect({ host: 'h', port: 1 }));
  });

  it('ends the peer when one side is destroyed', async () => {
    const [a, b] = createMemoryStreamPair();
    let closed = false;
    b.on('close', () => (closed = true));
    b.resume();
    a.destroy();
    await waitFor(() => closed, 'close');
  });
});
