import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '../../src/client.js';
import { TEST_SCRYPT, makeTempDir } from '../helpers.js';
import { TestNetwork } from '../test-network.js';
const DEFAULT_RATES = { muPerSecond: 2, lambdaPPerSecond: 2, lambdaLPerSecond: 1, lambdaDPerSecond: 1, maxDelayMs: 10_000 };
const CHILD = fileURLToPath(new URL('./_tmp-idle-child.ts', import.meta.url));
const tmp = makeTempDir();
const net = await TestNetwork.start(tmp.dir, { params: DEFAULT_RATES });
try {
  await net.waitForConsensus();
  const c = await Client.bootstrap(net.provider.url, { dataDir: join(tmp.dir, 'idle'), passphrase: 'bench', scrypt: TEST_SCRYPT, network: false });
  await c.close();
  for (const v of (process.env.VARIANTS ?? 'default,nopoll,default,nopoll').split(',')) {
    const env = { ...process.env, ...(v.startsWith('nopoll') ? { BENCH_POLL_MS: '3600000' } : {}), ...(v.endsWith('warm') ? { WARM: '40' } : {}) };
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=strata-source', CHILD, join(tmp.dir, 'idle'), 'bench', process.env.S ?? '20'], { stdio: ['ignore', 'pipe', 'inherit'], env });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    await new Promise((r) => child.once('exit', r));
    console.log(v, out.trim());
  }
} finally {
  await net.stop();
  tmp.remove();
}
