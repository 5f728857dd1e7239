// The authority's HTTP server caps open connections per remote IP (limits.maxConnectionsPerSource)
// and counts a refused one under route "connection".
import { strict as assert } from 'node:assert';
import { connect, type Socket } from 'node:net';
import type { RunningDirectory } from '@strata/directory';
import { startLoneAuthority, type LoneAuthority } from './lone-authority.js';

describe('directory HTTP server connection limits', function () {
  this.timeout(20_000);
  let running: RunningDirectory;
  let authority: LoneAuthority;
  const sockets: Socket[] = [];

  before(async () => {
    authority = await startLoneAuthority('dir-conn', { limits: { maxConnectionsPerSource: 2 } });
    running = authority.running;
  });

  after(async () => {
    for (const s of sockets) s.destroy();
    await authority?.stop();
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
