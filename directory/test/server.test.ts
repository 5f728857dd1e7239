// The authority's HTTP server caps open connections per remote IP (limits.maxConnectionsPerSource)
// and counts a refused one under route "connection".
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keygen } from '@strata/core';
import { parseDirectoryConfig, startDirectory, type RunningDirectory } from '@strata/directory';

describe('directory HTTP server connection limits', function () {
  this.timeout(20_000);
  let dir: string;
  let running: RunningDirectory;
  const sockets: Socket[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strata-dir-conn-'));
    const { identityKey } = keygen(dir);
    running = await startDirectory(
      parseDirectoryConfig({
        identityKeyFile: join(dir, 'identity.key'),
        dataDir: join(dir, 'data'),
        listen: { host: '127.0.0.1', port: 0 },
        epoch: { lengthMs: 60_000 },
        authorities: [{ identityKey, url: 'http://127.0.0.1:1' }],
        limits: { maxConnectionsPerSource: 2 },
        log: { level: 'silent' },
      }),
    );
  });

  after(async () => {
    for (const s of sockets) s.destroy();
    await running.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('closes a third idle connection from one IP and counts it as too-many-from-source', async () => {
    const url = new URL(running.url);
    const open = (): Promise<{ closed: Promise<unknown> }> =>
      new Promise((resolve) => {
        const s = connect({ host: url.hostname, port: Number(url.port) });
        const closed = new Promise((r) => s.once('close', r));
        s.once('connect', () => resolve({ closed }));
        s.on('error', () => {});
        sockets.push(s);
      });
    await open();
    await open();
    await (await open()).closed;
    for (const s of sockets.splice(0)) s.destroy();
    // Slots free up as the server sees the closes; then /metrics is served again.
    let metrics = '';
    while (metrics === '') {
      metrics = await fetch(`${running.url}/metrics`, { signal: AbortSignal.timeout(2000) }).then((r) => r.text(), () => '');
      if (metrics === '') await new Promise((r) => setTimeout(r, 20));
    }
    // (A retry of the fetch above may itself have been refused while the slots were still held.)
    const m = /strata_directory_rejected_total\{route="connection",reason="too-many-from-source"\} (\d+)/.exec(metrics);
    assert.ok(m !== null && Number(m[1]) >= 1, 'refusal not counted');
  });
});
