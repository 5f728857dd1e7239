// Regression (issue 9 fuzzing, directory_slowloris): a client that sends complete headers and
// then trickles the body one byte at a time used to hold its connection forever — every byte
// reset the idle timeout and Node's requestTimeout never fired. Now the authority destroys a
// request not completed within limits.requestTimeoutMs and counts it as reason "timeout".
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keygen } from '@strata/core';
import { parseDirectoryConfig, startDirectory, type RunningDirectory } from '@strata/directory';

describe('directory HTTP server under a slow body', function () {
  this.timeout(20_000);
  let dir: string;
  let running: RunningDirectory;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strata-slow-body-'));
    const { identityKey } = keygen(dir);
    running = await startDirectory(
      parseDirectoryConfig({
        identityKeyFile: join(dir, 'identity.key'),
        dataDir: join(dir, 'data'),
        listen: { host: '127.0.0.1', port: 0 },
        epoch: { lengthMs: 60_000 },
        authorities: [{ identityKey, url: 'http://127.0.0.1:1' }],
        limits: { requestTimeoutMs: 200 },
        log: { level: 'silent' },
      }),
    );
  });

  after(async () => {
    await running.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('drops a client that trickles its body forever and counts it as a timeout', async () => {
    const url = new URL(running.url);
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    socket.on('error', () => {});
    await new Promise((r) => socket.once('connect', r));
    socket.write('POST /v1/exchange/reveal HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 4000\r\n\r\n{"message":"');
    // One byte every 20 ms: far below the idle timeout, never completing the 4000-byte body.
    const trickle = setInterval(() => socket.write('A'), 20);
    try {
      await new Promise((r) => socket.once('close', r));
    } finally {
      clearInterval(trickle);
      socket.destroy();
    }
    const metrics = await (await fetch(`${running.url}/metrics`)).text();
    assert.match(metrics, /strata_directory_rejected_total\{route="exchange_reveal",reason="timeout"\} 1/);
  });
});
