/**
 * Provider benchmark (issue 5 item 10): durable stores/s with group commit, and polls/s, on a store
 * holding ALIASES × MESSAGES messages. Prints one JSON object per line.
 *
 *   npm run bench -w @strata/provider            # 10,000 aliases × 100 messages × 2000 B
 *   BENCH_ALIASES=1000 BENCH_MESSAGES=20 npm run bench -w @strata/provider   # a quick run
 *   BENCH_ONLY=ingress npm run bench -w @strata/provider   # only the mixnet ingress figure
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { parseProviderConfig } from '../src/config.js';
import { DropboxStore } from '../src/dropbox-store.js';
import { ProviderMetrics } from '../src/metrics.js';
import { Provider } from '../src/provider.js';
import { ReplayCache } from '../src/replay-cache.js';
import { RequestVerifier, generateEd25519KeyPair, signRequest } from '../src/request-signing.js';
import { SELF_SIGNED_CERT_FILE } from '../src/tls.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { benchIngress } from './ingress.bench.js';

const ALIASES = Number(process.env.BENCH_ALIASES ?? 10_000);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 100);
const BYTES = Number(process.env.BENCH_BYTES ?? 2000);
const POLL_ENTRIES = Number(process.env.BENCH_POLL_ENTRIES ?? 16);
const POLLS = Number(process.env.BENCH_POLLS ?? 20_000);
const HTTP_POLLS = Number(process.env.BENCH_HTTP_POLLS ?? 5_000);
/** Stores in flight at once (a busy egress path has many packets waiting on their commit). */
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 4096);

const out = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(o)}\n`);
/** CPU seconds (user + system, all threads of this process) since `from`: robust to a busy machine. */
const cpuSeconds = (from: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1e6;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Deterministic pseudo-random generator (xorshift32, fixed seed) for alias choice. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'strata-provider-bench-'));
  try {
    const account = generateEd25519KeyPair();
    const device = generateEd25519KeyPair();
    const aliasKey = generateEd25519KeyPair(); // one key for all aliases: signing cost is the client's
    const aliases = Array.from({ length: ALIASES }, (_, i) => {
      const a = Buffer.alloc(32);
      a.writeUInt32BE(i, 0);
      a.fill(0x5a, 4);
      return a;
    });

    // ---- stores: in-process, every promise resolves only after its batch is flushed ----
    const metrics = new ProviderMetrics(() => []);
    const batches: number[] = [];
    metrics.commitBatchOperations.observe = ((n: number) => void batches.push(n)) as typeof metrics.commitBatchOperations.observe;
    const store = DropboxStore.open({
      path: join(dataDir, 'dropbox'),
      messageBytes: BYTES,
      pollEntries: POLL_ENTRIES,
      ttlMs: 7 * 24 * 3600 * 1000,
      aliasQuotaMessages: Math.max(1000, MESSAGES),
      maxAliasesPerAccount: ALIASES,
      maxDevicesPerAccount: 4,
      maxCommitBatch: 8192,
      mapSizeBytes: 2 ** 33,
      metrics,
    });
    await store.registerDevice(account.publicKey, device.publicKey);
    await Promise.all(aliases.map((a) => store.registerAlias(a, aliasKey.publicKey, account.publicKey)));
    const payload = Buffer.alloc(BYTES, 0x42);
    const total = ALIASES * MESSAGES;
    let next = 0;
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const worker = async () => {
      while (next < total) {
        const i = next++;
        await store.store(aliases[i % ALIASES], payload);
      }
    };
    await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, total) }, worker));
    const storeS = (performance.now() - t0) / 1000;
    const storeCpuS = cpuSeconds(c0);
    out({
      name: 'store_durable',
      aliases: ALIASES,
      messages_per_alias: MESSAGES,
      message_bytes: BYTES,
      in_flight: IN_FLIGHT,
      ops: total,
      ops_per_s: Math.round(total / storeS),
      us_per_op: +((storeS * 1e6) / total).toFixed(2),
      ops_per_cpu_s: Math.round(total / storeCpuS),
      commits: batches.length,
      median_batch: median(batches.slice(1)) ?? batches[0],
    });

    // ---- polls in-process: signature check + replay check + read + fixed-size encode ----
    const verifier = new RequestVerifier({ timestampWindowMs: 3_600_000, notBeforeMs: 0, replayCache: new ReplayCache(3_600_000, 10_000_000) });
    const aliasInfo = store.aliasInfo(aliases[0])!;
    const pick = rng(42);
    const rounds: number[] = [];
    const cpuRounds: number[] = [];
    for (let round = 0; round < 3; round++) {
      const reqs = Array.from({ length: POLLS }, (_, i) => {
        const alias = aliases[Math.floor(pick() * ALIASES)];
        const nonce = Buffer.alloc(16);
        nonce.writeUInt32BE(round, 0);
        nonce.writeUInt32BE(i, 4);
        const ts = Date.now();
        return { alias, nonce, ts, sig: signRequest(aliasKey.privateKey, 'poll', [alias, device.publicKey], ts, nonce) };
      });
      const t = performance.now();
      const c = process.cpuUsage();
      let bytes = 0;
      // As the API does it: signatures verify on the libuv pool, 64 polls in flight.
      let next = 0;
      await Promise.all(
        Array.from({ length: 64 }, async () => {
          while (next < reqs.length) {
            const r = reqs[next++];
            const info = store.aliasInfo(r.alias) ?? aliasInfo;
            await verifier.verifyAsync('poll', [r.alias, device.publicKey], r.ts, r.nonce, [{ key: info.aliasKey, signature: r.sig }]);
            bytes += store.pollEncoded(r.alias, device.publicKey).length;
          }
        }),
      );
      rounds.push(POLLS / ((performance.now() - t) / 1000));
      cpuRounds.push(POLLS / cpuSeconds(c));
      if (bytes === 0) throw new Error('no poll output');
    }
    const pollRate = median(rounds);
    out({ name: 'poll_in_process', aliases: ALIASES, messages_per_alias: MESSAGES, entries: POLL_ENTRIES, message_bytes: BYTES, ops: POLLS, ops_per_s: Math.round(pollRate), us_per_op: +(1e6 / pollRate).toFixed(2), ops_per_cpu_s: Math.round(median(cpuRounds)) });
    await store.close();

    // ---- polls over HTTPS (loopback, keep-alive, real TLS) against the same data ----
    const config = parseProviderConfig({
      dataDir,
      api: { host: '127.0.0.1', port: 0 },
      admin: { enabled: false },
      dropbox: { messageBytes: BYTES, pollEntries: POLL_ENTRIES, maxAliasesPerAccount: ALIASES, aliasQuotaMessages: Math.max(1000, MESSAGES), mapSizeBytes: 2 ** 33 },
      auth: { timestampWindowMs: 3_600_000 },
    });
    const provider = await Provider.start(config, { logger: pino({ level: 'silent' }) });
    try {
      const ca = readFileSync(join(dataDir, SELF_SIGNED_CERT_FILE));
      const connections = 16;
      const httpRounds: number[] = [];
      const httpCpuRounds: number[] = [];
      for (let round = 0; round < 3; round++) {
        const b64 = (x: Uint8Array) => Buffer.from(x).toString('base64');
        const child = fork(fileURLToPath(new URL('./https-poll-client.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx', '--conditions=strata-source'] });
        let c = process.cpuUsage();
        const result = await new Promise<{ seconds: number; failures: number }>((resolve, reject) => {
          child.on('message', (m) => {
            // The client reports `ready` once its requests are signed: server CPU is counted from there.
            if ((m as { ready?: boolean }).ready) c = process.cpuUsage();
            else resolve(m as { seconds: number; failures: number });
          });
          child.once('error', reject);
          child.once('exit', (code) => reject(new Error(`poll client exited with ${code}`)));
          child.send({
            port: provider.apiPort, ca: b64(ca), aliases: aliases.map(b64), aliasSeed: b64(aliasKey.seed), aliasPublicKey: b64(aliasKey.publicKey),
            device: b64(device.publicKey), polls: HTTP_POLLS, connections, seed: 7 + round,
          });
        });
        await new Promise((r) => (child.exitCode === null ? child.once('exit', r) : r(null)));
        if (result.failures > 0) throw new Error(`${result.failures} polls failed`);
        httpRounds.push(HTTP_POLLS / result.seconds);
        httpCpuRounds.push(HTTP_POLLS / cpuSeconds(c));
      }
      const httpRate = median(httpRounds);
      out({ name: 'poll_https', aliases: ALIASES, messages_per_alias: MESSAGES, entries: POLL_ENTRIES, message_bytes: BYTES, connections, ops: HTTP_POLLS, ops_per_s: Math.round(httpRate), us_per_op: +(1e6 / httpRate).toFixed(2), server_ops_per_cpu_s: Math.round(median(httpCpuRounds)) });
    } finally {
      await provider.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const INGRESS_PACKETS = Number(process.env.BENCH_INGRESS_PACKETS ?? 5000);
if (process.env.BENCH_ONLY !== 'ingress') await main();
out(await benchIngress(INGRESS_PACKETS, Math.max(1, availableParallelism() - 1)));
