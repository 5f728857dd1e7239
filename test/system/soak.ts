// `npm run soak`: a whole testnet (3 authorities, 3 × 2 mixes, 2 providers) with two demo clients
// writing to each other at a fixed rate for SOAK_SECONDS (default 1800), sampling every daemon's
// RSS and the delivery counters. Prints JSON lines: {"kind":"sample",…} every SOAK_SAMPLE_SECONDS,
// then {"kind":"summary",…} with the messages lost and each daemon's RSS first → last sample.
// Exit code 1 when a message was lost (sent, not delivered after the drain) or a daemon died.
// Not part of `npm test`. Env: SOAK_SECONDS, SOAK_SAMPLE_SECONDS (30), SOAK_SEND_INTERVAL_MS
// (2000: each client sends one message per interval), SOAK_DRAIN_SECONDS (120), SOAK_DIR (a temp
// dir, deleted afterwards unless given).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DemoClients, isOurDaemon, parseTestnetConfig, readManifest, testnetDown, testnetUp, waitFor, type Manifest } from '@strata/cli';

function envInt(name: string, dflt: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return dflt;
  const v = Number(raw);
  if (!Number.isSafeInteger(v) || v < min) {
    process.stderr.write(`${name}: must be an integer ≥ ${min}\n`);
    process.exit(2);
  }
  return v;
}

const SOAK_SECONDS = envInt('SOAK_SECONDS', 1800, 10);
const SAMPLE_SECONDS = envInt('SOAK_SAMPLE_SECONDS', 30, 1);
const SEND_INTERVAL_MS = envInt('SOAK_SEND_INTERVAL_MS', 2000, 100);
const DRAIN_SECONDS = envInt('SOAK_DRAIN_SECONDS', 120, 1);

/** Resident set size of `pid` in MiB (VmRSS), or null when it is gone. */
function rssMiB(pid: number | null): number | null {
  if (pid === null) return null;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round((Number(m[1]) / 1024) * 10) / 10 : null;
  } catch {
    return null;
  }
}

const line = (o: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(o)}\n`);

async function main(): Promise<number> {
  const own = process.env.SOAK_DIR === undefined;
  const dir = process.env.SOAK_DIR ?? join(mkdtempSync(join(tmpdir(), 'strata-soak-')), 'net');
  const config = parseTestnetConfig({ mode: 'fast', clients: 2, wait: 'consensus', logLevel: 'warn' });
  let stopping = false;
  const onSignal = (): void => void (stopping = true);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let demo: DemoClients | undefined;
  let warnings = 0;
  try {
    const t0 = Date.now();
    await testnetUp(dir, config);
    let m: Manifest = readManifest(dir);
    line({ kind: 'start', dir, seconds: SOAK_SECONDS, sendIntervalMs: SEND_INTERVAL_MS, upMs: Date.now() - t0, consensusEpoch: m.consensus?.epoch ?? null });
    demo = await DemoClients.start(m, 2, { sendIntervalMs: SEND_INTERVAL_MS, onWarning: () => void warnings++ });
    const first: Record<string, number | null> = {};
    let last: Record<string, number | null> = {};
    const start = Date.now();
    const sample = (): void => {
      m = readManifest(dir);
      const rss: Record<string, number | null> = { runner: Math.round((process.memoryUsage().rss / 1048576) * 10) / 10 };
      for (const n of m.nodes) rss[n.name] = n.pid !== null && isOurDaemon(n.pid, n.configFile) ? rssMiB(n.pid) : null;
      if (Object.keys(first).length === 0) Object.assign(first, rss);
      last = rss;
      line({ kind: 'sample', t: Math.round((Date.now() - start) / 1000), ...demo!.stats, warnings, rssMiB: rss });
    };
    sample();
    while (!stopping && Date.now() - start < SOAK_SECONDS * 1000) {
      await waitFor('the next sample', () => stopping || Date.now() - start >= SOAK_SECONDS * 1000, { timeoutMs: SAMPLE_SECONDS * 1000, intervalMs: 200 }).catch(() => undefined);
      sample();
    }
    // Stop writing, then let every message in flight arrive (retransmissions included).
    const sentAtEnd = demo.stats.sent;
    demo.stopSending();
    const received = (): number => demo!.stats.delivered;
    await waitFor('the messages in flight to arrive', () => stopping || received() >= sentAtEnd, { timeoutMs: DRAIN_SECONDS * 1000, intervalMs: 500 }).catch(() => undefined);
    const delivered = received();
    const dead = m.nodes.filter((n) => last[n.name] === null).map((n) => n.name);
    const growth: Record<string, string> = {};
    for (const k of Object.keys(first)) growth[k] = `${first[k]} → ${last[k]}`;
    const lost = Math.max(0, sentAtEnd - delivered);
    line({ kind: 'summary', seconds: Math.round((Date.now() - start) / 1000), sent: sentAtEnd, delivered, lost, deadDaemons: dead, warnings, rssMiB: growth });
    return lost === 0 && dead.length === 0 ? 0 : 1;
  } finally {
    await demo?.close();
    await testnetDown(dir, config.timeouts.stopMs).catch(() => undefined);
    if (own) rmSync(join(dir, '..'), { recursive: true, force: true });
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

process.exitCode = await main();
