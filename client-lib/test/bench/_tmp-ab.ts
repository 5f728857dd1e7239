import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Client } from '../../src/client.js';
import { TEST_SCRYPT, makeTempDir } from '../helpers.js';
import { TestNetwork } from '../test-network.js';
const DEFAULT_RATES = { muPerSecond: 2, lambdaPPerSecond: 2, lambdaLPerSecond: 1, lambdaDPerSecond: 1, maxDelayMs: 10_000 };
const CHILD = { before: '/tmp/before/client-lib/test/bench/idle-client.ts', after: '/work/main/client-lib/test/bench/idle-client.ts' };
const tmp = makeTempDir();
const net = await TestNetwork.start(tmp.dir, { params: DEFAULT_RATES });
try {
  await net.waitForConsensus();
  const c = await Client.bootstrap(net.provider.url, { dataDir: join(tmp.dir, 'idle'), passphrase: 'bench', scrypt: TEST_SCRYPT, network: false });
  await c.close();
  for (const v of (process.env.VARIANTS ?? 'before,after,before,after').split(',') as ('before' | 'after')[]) {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=strata-source', CHILD[v], join(tmp.dir, 'idle'), 'bench', process.env.S ?? '40', process.env.C ?? '20'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    await new Promise((r) => child.once('exit', r));
    for (const line of out.trim().split('\n')) {
      const r = JSON.parse(line);
      console.log(JSON.stringify({ v, ...r, pct: +((100 * r.cpuMs) / r.wallMs).toFixed(2), buildPct: +((100 * r.buildCpuMs) / r.wallMs).toFixed(2) }));
    }
  }
} finally {
  await net.stop();
  tmp.remove();
}
