import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { FREE_PORT_MIN, freePort } from '../src/free-port.js';

describe('freePort', () => {
  it('hands out ports below the kernel ephemeral range, which connect() never takes on its own', async () => {
    for (let i = 0; i < 20; i++) {
      const p = await freePort();
      assert.ok(p >= FREE_PORT_MIN && p < 32_768, `port ${p}`);
    }
  });

  it('never hands out the same port twice in one process', async () => {
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) seen.add(await freePort());
    assert.equal(seen.size, 200);
  });

  it('hands out a port that a daemon can then bind', async () => {
    const port = await freePort();
    const s = createServer();
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', resolve);
    });
    await new Promise<void>((r) => s.close(() => r()));
  });
});
