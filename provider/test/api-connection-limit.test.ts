// The client API caps open connections per remote IP (api.maxConnectionsPerSource) before the TLS
// handshake, and counts a refused one as strata_provider_api_rejected_total{route="connection"}.
import { strict as assert } from 'node:assert';
import { connect, type Socket } from 'node:net';
import { pino } from 'pino';
import { parseProviderConfig } from '../src/config.js';
import { Provider } from '../src/provider.js';
import { tempDir } from './helpers.js';

describe('client API connection limits', function () {
  this.timeout(20_000);
  let dir: ReturnType<typeof tempDir>;
  let provider: Provider;
  const sockets: Socket[] = [];

  before(async () => {
    dir = tempDir();
    const config = parseProviderConfig({
      dataDir: dir.path,
      name: 'connection-limit',
      api: { host: '127.0.0.1', port: 0, maxConnectionsPerSource: 2 },
      admin: { port: 0 },
      dropbox: { messageBytes: 64, pollEntries: 4 },
    });
    provider = await Provider.start(config, { logger: pino({ level: 'silent' }) });
  });

  after(async () => {
    for (const s of sockets) s.destroy();
    await provider.stop();
    dir.remove();
  });

  it('closes a third connection from one IP before TLS and counts it as too_many_from_source', async () => {
    const open = (): Promise<{ closed: Promise<unknown> }> =>
      new Promise((resolve) => {
        const s = connect({ host: '127.0.0.1', port: provider.apiPort });
        const closed = new Promise((r) => s.once('close', r));
        s.once('connect', () => resolve({ closed }));
        s.on('error', () => {});
        sockets.push(s);
      });
    await open();
    await open();
    await (await open()).closed;
    const metrics = await (await fetch(`http://127.0.0.1:${provider.adminPort}/metrics`)).text();
    assert.match(metrics, /strata_provider_api_rejected_total\{route="connection",reason="too_many_from_source"\} 1/);
  });

  it('defaults the caps and names a bad one by path', () => {
    const c = parseProviderConfig({ dataDir: '/x' });
    assert.deepEqual([c.api.maxConnections, c.api.maxConnectionsPerSource], [10_000, 64]);
    assert.throws(() => parseProviderConfig({ dataDir: '/x', api: { maxConnectionsPerSource: 0 } }), /^ProviderConfigError: provider\.api\.maxConnectionsPerSource:/);
  });
});
