// Regression (issue 9 fuzzing, provider_slowloris): a TLS client that sent complete headers for
// POST /v1/poll and then trickled its body one byte at a time held its connection for ever (each
// byte reset the idle timer; Node's requestTimeout never fired), and Provider.stop() waited on it.
// Now every request must complete within api.requestTimeoutMs or its connection is destroyed and
// counted as strata_provider_api_rejected_total{reason="timeout"}.
import { strict as assert } from 'node:assert';
import { connect } from 'node:tls';
import { pino } from 'pino';
import { parseProviderConfig } from '../../src/config.js';
import { Provider } from '../../src/provider.js';
import { tempDir } from '../helpers.js';
import { trickleBodyUntilClosed } from '../../../test/fuzz/http.js';

describe('provider client API under a slow body', function () {
  this.timeout(20_000);
  let dir: ReturnType<typeof tempDir>;
  let provider: Provider;

  before(async () => {
    dir = tempDir();
    const config = parseProviderConfig({
      dataDir: dir.path,
      name: 'slow-body',
      api: { host: '127.0.0.1', port: 0, requestTimeoutMs: 300 },
      admin: { port: 0 },
      dropbox: { messageBytes: 64, pollEntries: 4 },
      wellKnown: { authorities: [{ url: 'https://auth.example:7000', identityKey: 'AAAA' }], network: { mu: 0.5 } },
    });
    provider = await Provider.start(config, { logger: pino({ level: 'silent' }) });
  });

  after(async () => {
    await provider.stop();
    dir.remove();
  });

  it('drops a client that trickles its body for ever and counts it as a timeout', async () => {
    const socket = connect({ host: '127.0.0.1', port: provider.apiPort, rejectUnauthorized: false });
    socket.on('error', () => {});
    await new Promise((r) => socket.once('secureConnect', r));
    await trickleBodyUntilClosed(socket, 'POST /v1/poll HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 4000\r\n\r\n{"alias":"');
    const metrics = await (await fetch(`http://127.0.0.1:${provider.adminPort}/metrics`)).text();
    assert.match(metrics, /strata_provider_api_rejected_total\{route="\/v1\/poll",reason="timeout"\} 1/);
  });
});
