// Regression (issue 9 fuzzing, directory_slowloris): a client that sends complete headers and
// then trickles the body one byte at a time used to hold its connection forever — every byte
// reset the idle timeout and Node's requestTimeout never fired. Now the authority destroys a
// request not completed within limits.requestTimeoutMs and counts it as reason "timeout".
import { strict as assert } from 'node:assert';
import { connect } from 'node:net';
import type { RunningDirectory } from '@strata/directory';
import { startLoneAuthority, type LoneAuthority } from '../lone-authority.js';
import { trickleBodyUntilClosed } from '../../../test/fuzz/http.js';

describe('directory HTTP server under a slow body', function () {
  this.timeout(20_000);
  let running: RunningDirectory;
  let authority: LoneAuthority;

  before(async () => {
    authority = await startLoneAuthority('slow-body', { limits: { requestTimeoutMs: 200 } });
    running = authority.running;
  });

  after(async () => {
    await authority?.stop();
  });

  it('drops a client that trickles its body forever and counts it as a timeout', async () => {
    const url = new URL(running.url);
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    socket.on('error', () => {});
    await new Promise((r) => socket.once('connect', r));
    await trickleBodyUntilClosed(socket, 'POST /v1/exchange/reveal HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 4000\r\n\r\n{"message":"');
    const metrics = await (await fetch(`${running.url}/metrics`)).text();
    assert.match(metrics, /strata_directory_rejected_total\{route="exchange_reveal",reason="timeout"\} 1/);
  });
});
