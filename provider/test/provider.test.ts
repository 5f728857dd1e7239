import assert from 'node:assert/strict';
import { pino } from 'pino';
import { parseProviderConfig } from '../src/config.js';
import { Provider } from '../src/provider.js';
import { generateEd25519KeyPair } from '../src/request-signing.js';
import { aliasId, payloadFor, tempDir } from './helpers.js';

/** Poll a condition on the event loop (no fixed sleeps); fails after `limit` turns of 10 ms timers. */
async function waitFor(cond: () => boolean | Promise<boolean>, limit = 1000): Promise<void> {
  for (let i = 0; i < limit; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail('condition not reached');
}

describe('Provider', () => {
  it('removes expired messages on its own with the sweeper', async () => {
    const dir = tempDir();
    const provider = await Provider.start(
      parseProviderConfig({ dataDir: dir.path, api: { host: '127.0.0.1', port: 0 }, admin: { enabled: false }, dropbox: { messageBytes: 32, ttlMs: 200, sweepIntervalMs: 20 } }),
      { logger: pino({ level: 'silent' }) },
    );
    try {
      const account = generateEd25519KeyPair().publicKey;
      await provider.store.registerDevice(account, generateEd25519KeyPair().publicKey);
      await provider.store.registerAlias(aliasId(1), generateEd25519KeyPair().publicKey, account);
      await provider.store.store(aliasId(1), payloadFor(1, 32));
      assert.equal(provider.store.messageCount(aliasId(1)), 1);
      // The counter moves once the removal is durable; the in-memory count may move first.
      await waitFor(async () => (await provider.metrics.expired.get()).values[0]?.value === 1);
      assert.equal(provider.store.messageCount(aliasId(1)), 0);
    } finally {
      await provider.stop();
      dir.remove();
    }
  });

  it('refuses to start with a TLS key file that does not exist', async () => {
    const dir = tempDir();
    try {
      const config = parseProviderConfig({ dataDir: dir.path, api: { port: 0, tls: { certFile: '/nonexistent/c.pem', keyFile: '/nonexistent/k.pem' } }, admin: { enabled: false } });
      await assert.rejects(Provider.start(config, { logger: pino({ level: 'silent' }) }), { name: 'ProviderConfigError' });
    } finally {
      dir.remove();
    }
  });
});
