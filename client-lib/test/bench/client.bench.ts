// Network benchmarks of the client (JSON lines). The client runs against the real provider binary, a
// real directory authority and three real mix processes (test/test-network.ts), so "deliver" times
// include the Exp(μ) delay at every hop.
//   BENCH_IDLE_S        idle measurement length (default 20)
//   BENCH_DELIVER_BYTES message size for the end-to-end figure (default 1 MiB)
//   BENCH_LAMBDA_P      λP for the delivery run (default 2, the directory default)
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '../../src/client.js';
import { TEST_SCRYPT, makeTempDir, seededBytes } from '../helpers.js';
import { TestNetwork } from '../test-network.js';

const IDLE_S = Number(process.env.BENCH_IDLE_S ?? '20');
const DELIVER_BYTES = Number(process.env.BENCH_DELIVER_BYTES ?? String(1024 * 1024));
const LAMBDA_P = Number(process.env.BENCH_LAMBDA_P ?? '2');
// The directory defaults (directory/src/config.ts): μ 2/s, λP 2/s, λL 1/s, λD 1/s.
const DEFAULT_RATES = { muPerSecond: 2, lambdaPPerSecond: 2, lambdaLPerSecond: 1, lambdaDPerSecond: 1, maxDelayMs: 10_000 };
const CHILD = fileURLToPath(new URL('./idle-client.ts', import.meta.url));

async function idleCpu(net: TestNetwork, dir: string): Promise<void> {
  const c = await Client.bootstrap(net.provider.url, { dataDir: join(dir, 'idle'), passphrase: 'bench', scrypt: TEST_SCRYPT, network: false });
  await c.close();
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=strata-source', CHILD, join(dir, 'idle'), 'bench', String(IDLE_S)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  await new Promise((r) => child.once('exit', r));
  const r = JSON.parse(out.trim()) as { cpuMs: number; wallMs: number; packets: number; polls: number };
  console.log(
    JSON.stringify({
      name: 'client_idle_cpu',
      rates: { lambdaP: DEFAULT_RATES.lambdaPPerSecond, lambdaL: DEFAULT_RATES.lambdaLPerSecond, lambdaD: DEFAULT_RATES.lambdaDPerSecond, pollIntervalMs: 2000 },
      seconds: Number((r.wallMs / 1000).toFixed(1)),
      cpu_share_of_one_core_pct: Number(((100 * r.cpuMs) / r.wallMs).toFixed(2)),
      packets_sent: r.packets,
      polls: r.polls,
    }),
  );
}

async function deliver(net: TestNetwork, dir: string): Promise<void> {
  const opts = (n: string) => ({ dataDir: join(dir, n), passphrase: 'bench', scrypt: TEST_SCRYPT, pollIntervalMs: 500 });
  const [a, b] = await Promise.all([Client.bootstrap(net.provider.url, opts('a')), Client.bootstrap(net.provider.url, opts('b'))]);
  try {
    const bAtA = await a.contacts.add(b.address, 'b');
    await b.contacts.add(a.address, 'a');
    const body = seededBytes(DELIVER_BYTES, 1);
    const got = new Promise<void>((resolve) => b.once('message', () => resolve()));
    const t0 = performance.now();
    const id = await a.send(bAtA.id, body);
    await got;
    const ms = performance.now() - t0;
    const st = a.status(id)!;
    console.log(JSON.stringify({ name: 'client_deliver', bytes: DELIVER_BYTES, fragments: st.fragments, lambdaP: LAMBDA_P, seconds: Number((ms / 1000).toFixed(1)), mix_hop_delays: 'Exp(mu) at every hop (real mixes)' }));
  } finally {
    await a.close();
    await b.close();
  }
}

const tmp = makeTempDir();
try {
  let net = await TestNetwork.start(tmp.dir, { params: DEFAULT_RATES });
  try {
    await net.waitForConsensus();
    await idleCpu(net, tmp.dir);
  } finally {
    await net.stop();
  }
  if (DELIVER_BYTES > 0) {
    const sub = makeTempDir();
    net = await TestNetwork.start(sub.dir, { params: { ...DEFAULT_RATES, lambdaPPerSecond: LAMBDA_P } });
    try {
      await net.waitForConsensus();
      await deliver(net, sub.dir);
    } finally {
      await net.stop();
      sub.remove();
    }
  }
} finally {
  tmp.remove();
}
