// Network benchmarks of the client (JSON lines). The client runs against the real provider binary, a
// real directory authority and three real mix processes (test/test-network.ts), so "deliver" times
// include the Exp(μ) delay at every hop.
//   BENCH_IDLE_S        steady-state idle measurement length (default 60), after
//   BENCH_IDLE_COLD_S   the first seconds after the link is up, measured on their own (default 20)
//   BENCH_IDLE_FROM     'source' (tsx, default) or 'dist' (compiled package, as an app runs it)
//   BENCH_DELIVER_BYTES message size for the end-to-end figure (default 1 MiB)
//   BENCH_LAMBDA_P      λP for the delivery run (default 2, the directory default)
//   BENCH_DELIVER_CAP_S give up on the delivery after this long (default 600) and report progress
import { execFileSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '../../src/client.js';
import type { MessageStatus } from '../../src/outbox.js';
import { TEST_SCRYPT, makeTempDir, seededBytes } from '../helpers.js';
import { TestNetwork } from '../test-network.js';

const IDLE_S = Number(process.env.BENCH_IDLE_S ?? '60');
const IDLE_COLD_S = Number(process.env.BENCH_IDLE_COLD_S ?? '20');
const IDLE_FROM = process.env.BENCH_IDLE_FROM === 'dist' ? 'dist' : 'source';
const DELIVER_BYTES = Number(process.env.BENCH_DELIVER_BYTES ?? String(1024 * 1024));
const LAMBDA_P = Number(process.env.BENCH_LAMBDA_P ?? '2');
const DELIVER_CAP_S = Number(process.env.BENCH_DELIVER_CAP_S ?? '600');
// The directory defaults (directory/src/config.ts): μ 2/s, λP 2/s, λL 1/s, λD 1/s.
const DEFAULT_RATES = { muPerSecond: 2, lambdaPPerSecond: 2, lambdaLPerSecond: 1, lambdaDPerSecond: 1, maxDelayMs: 10_000 };
const CHILD = fileURLToPath(new URL('./idle-client.ts', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');

interface IdleWindow {
  window: 'cold' | 'steady';
  cpuMs: number;
  wallMs: number;
  buildCpuMs: number;
  tlsConnections: number;
  packets: number;
  polls: number;
}

async function idleCpu(net: TestNetwork, dir: string): Promise<void> {
  const c = await Client.bootstrap(net.provider.url, { dataDir: join(dir, 'idle'), passphrase: 'bench', scrypt: TEST_SCRYPT, network: false });
  await c.close();
  if (IDLE_FROM === 'dist') execFileSync(process.execPath, [TSC, '-b', PACKAGE_DIR], { stdio: 'inherit' }); // dist must be current
  const loader = IDLE_FROM === 'dist' ? ['--import', 'tsx'] : ['--import', 'tsx', '--conditions=strata-source'];
  const args = [...loader, CHILD, join(dir, 'idle'), 'bench', String(IDLE_S), String(IDLE_COLD_S), IDLE_FROM];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  await new Promise((r) => child.once('exit', r));
  for (const line of out.trim().split('\n')) {
    const r = JSON.parse(line) as IdleWindow;
    console.log(
      JSON.stringify({
        name: 'client_idle_cpu',
        window: r.window,
        code: IDLE_FROM,
        rates: { lambdaP: DEFAULT_RATES.lambdaPPerSecond, lambdaL: DEFAULT_RATES.lambdaLPerSecond, lambdaD: DEFAULT_RATES.lambdaDPerSecond, pollIntervalMs: 2000 },
        seconds: Number((r.wallMs / 1000).toFixed(1)),
        cpu_share_of_one_core_pct: Number(((100 * r.cpuMs) / r.wallMs).toFixed(2)),
        packet_build_pct: Number(((100 * r.buildCpuMs) / r.wallMs).toFixed(2)),
        packet_build_ms_each: r.packets > 0 ? Number((r.buildCpuMs / r.packets).toFixed(2)) : null,
        packets_sent: r.packets,
        polls: r.polls,
        new_tls_connections: r.tlsConnections,
      }),
    );
  }
}

async function deliver(net: TestNetwork, dir: string, params: typeof DEFAULT_RATES): Promise<void> {
  const opts = (n: string) => ({ dataDir: join(dir, n), passphrase: 'bench', scrypt: TEST_SCRYPT, pollIntervalMs: 500 });
  const [a, b] = await Promise.all([Client.bootstrap(net.provider.url, opts('a')), Client.bootstrap(net.provider.url, opts('b'))]);
  try {
    const bAtA = await a.contacts.add(b.address, 'b');
    await b.contacts.add(a.address, 'a');
    const body = seededBytes(DELIVER_BYTES, 1);
    // Delivery, not start-up, is measured: both provider links up first (ticks before that send nothing).
    for (const t0 = Date.now(); !(a.connected && b.connected); await new Promise((r) => setTimeout(r, 50))) {
      if (Date.now() - t0 > 60_000) throw new Error('provider links did not come up');
    }
    let completeMs: number | undefined;
    let firstStoredMs: number | undefined;
    let allSentMs: number | undefined;
    const got = new Promise<void>((resolve) => b.once('message', () => resolve()));
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const real0 = a.stats.sent.real;
    const id = await a.send(bAtA.id, body);
    const onStatus = (s: MessageStatus): void => {
      if (s.id !== id) return;
      if (firstStoredMs === undefined && s.acked > 0) firstStoredMs = performance.now() - t0;
      if (allSentMs === undefined && s.sent === s.fragments) allSentMs = performance.now() - t0;
    };
    a.on('status', onStatus);
    // a fragment's first ACK is not a state change: sample the status too (no timing is asserted)
    const sampler = setInterval(() => onStatus(a.status(id)!), 250);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const capped = new Promise<void>((resolve) => (timer = setTimeout(resolve, DELIVER_CAP_S * 1000)));
    await Promise.race([got.then(() => void (completeMs = performance.now() - t0)), capped]);
    clearTimeout(timer);
    clearInterval(sampler);
    a.off('status', onStatus);
    const cpu = process.cpuUsage(cpu0);
    const st = a.status(id)!;
    // Floor: one λP tick per fragment, then the last fragment's path: 4 Exp(μ) hops (own provider and
    // three mixes; the recipient's provider stores at once) and, on average, half a poll interval.
    const floorS = st.fragments / params.lambdaPPerSecond + 4 / params.muPerSecond + 0.25;
    console.log(
      JSON.stringify({
        name: 'client_deliver',
        bytes: DELIVER_BYTES,
        fragments: st.fragments,
        lambdaP: params.lambdaPPerSecond,
        mu: params.muPerSecond,
        completed: completeMs !== undefined,
        cap_s: DELIVER_CAP_S,
        seconds: completeMs === undefined ? null : Number((completeMs / 1000).toFixed(1)),
        first_fragment_stored_s: firstStoredMs === undefined ? null : Number((firstStoredMs / 1000).toFixed(1)),
        all_sent_s: allSentMs === undefined ? null : Number((allSentMs / 1000).toFixed(1)),
        floor_s: Number(floorS.toFixed(1)),
        transmissions: a.stats.sent.real - real0,
        retransmissions: a.stats.sent.real - real0 - st.sent,
        acked: st.acked,
        cpu_s_both_clients: Number(((cpu.user + cpu.system) / 1e6).toFixed(1)),
        mix_hop_delays: 'Exp(mu) at every hop (real mixes)',
      }),
    );
  } finally {
    await a.close();
    await b.close();
  }
}

const tmp = makeTempDir();
try {
  let net: TestNetwork;
  if (IDLE_S > 0 || IDLE_COLD_S > 0) {
    net = await TestNetwork.start(tmp.dir, { params: DEFAULT_RATES });
    try {
      await net.waitForConsensus();
      await idleCpu(net, tmp.dir);
    } finally {
      await net.stop();
    }
  }
  if (DELIVER_BYTES > 0) {
    const sub = makeTempDir();
    const params = { ...DEFAULT_RATES, lambdaPPerSecond: LAMBDA_P };
    net = await TestNetwork.start(sub.dir, { params });
    try {
      await net.waitForConsensus();
      await deliver(net, sub.dir, params);
    } finally {
      await net.stop();
      sub.remove();
    }
  }
} finally {
  tmp.remove();
}
