// The loopback flood test (issue 9 item 5): one real mix process, real createPacket traffic through
// it from a load-generator process at a fixed rate, and, in the flood phase, an attacker process
// blasting garbage, handshake floods, stalled handshakes and authenticated garbage frames at its
// link port. This process plays the directory (AuthorityFixture) and the provider that receives
// the real packets, and measures their loss and lateness (arrival − send − NodeDelay) per phase.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { quantileSorted } from 'simple-statistics';
import { toHex } from '@strata/core/bytes';
import { sphinxKeyFor } from '@strata/core/descriptor';
import { DEFAULT_GEOMETRY } from 'sphinx-packet-ts';
import { AuthorityFixture } from '../../core/test/node/authority-fixture.js';
import { waitFor } from '../../core/test/node/manual-timers.js';
import { MixProcess } from '../../core/test/node/mix-process.js';
import { localMixConfig, LoopbackProvider } from '../test/loopback-provider.js';
import { nowMs, readStamp, type AttackCounts, type FromAttack, type FromLoad, type ToAttack, type ToLoad } from './flood-protocol.js';

const g = DEFAULT_GEOMETRY;
/** Long epochs: no key rotation inside a run. */
const EPOCH_MS = 3_600_000;
const MAX_DELAY_MS = 1000;
/** After a phase, wait this long past the last arrival before counting the rest as lost. */
const DRAIN_QUIET_MS = MAX_DELAY_MS + 3000;

export interface FloodOptions {
  /** Seconds of real traffic per phase. */
  secondsPerPhase: number;
  ratePps: number;
  /** Which phases to run, in order. */
  phases: readonly ('baseline' | 'flood')[];
  /** Concurrent workers per attack kind. */
  attackConcurrency: number;
  meanDelayMs: number;
  seed: number;
  /** Extra mix config (e.g. link limits). */
  mixConfig?: Record<string, unknown>;
  log?: (line: Record<string, unknown>) => void;
}

export interface PhaseResult {
  name: 'flood_real_traffic';
  phase: 'baseline' | 'flood';
  seconds: number;
  rate_pps: number;
  achieved_pps: number;
  sent: number;
  received: number;
  lost: number;
  duplicates: number;
  loss: number;
  lateness_p50_ms: number;
  lateness_p99_ms: number;
  lateness_max_ms: number;
  send_failures: number;
  reconnects: number;
  attack?: AttackCounts;
  /** Mix counters that moved during the phase (handshake failures, rejected frames, drops by reason). */
  mix_counters: Record<string, number>;
}

export interface FloodReport {
  phases: PhaseResult[];
  mixAlive: boolean;
  mixRssBytes: number;
}


/** A script child process with an IPC channel, running from TypeScript source. */
class Child<In, Out extends { kind: string }> {
  private readonly proc: ChildProcess;
  private readonly inbox: Out[] = [];
  exited = false;

  constructor(file: string) {
    this.proc = spawn(process.execPath, ['--import', 'tsx', '--conditions=strata-source', fileURLToPath(new URL(file, import.meta.url))], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.proc.on('message', (m) => this.inbox.push(m as Out));
    this.proc.on('exit', () => (this.exited = true));
  }

  send(msg: In): void {
    this.proc.send(msg as object);
  }

  async next<K extends Out['kind']>(kind: K, limitMs: number): Promise<Extract<Out, { kind: K }>> {
    await waitFor(() => this.exited || this.inbox.some((m) => m.kind === kind), limitMs);
    const i = this.inbox.findIndex((m) => m.kind === kind);
    if (i < 0) throw new Error(`child exited before sending ${kind}`);
    return this.inbox.splice(i, 1)[0] as Extract<Out, { kind: K }>;
  }

  async end(): Promise<void> {
    if (this.exited) return;
    const exited = waitFor(() => this.exited, 15_000).catch(() => this.proc.kill('SIGKILL'));
    if (this.proc.connected) this.proc.disconnect();
    await exited;
  }
}

const WATCHED = [/^strata_link_handshake_failures_total\{/, /^strata_link_frames_rejected_total\{/, /^strata_mix_packets_dropped_total\{/, /^strata_link_connections_opened_total\{/];

async function scrape(mix: MixProcess): Promise<Map<string, number>> {
  const text = await (await fetch(`${mix.metricsUrl}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const sp = line.lastIndexOf(' ');
    if (sp > 0) out.set(line.slice(0, sp), Number(line.slice(sp + 1)));
  }
  return out;
}

function moved(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of after) {
    if (!WATCHED.some((re) => re.test(k))) continue;
    const d = v - (before.get(k) ?? 0);
    if (d !== 0) out[k.replace(/^strata_/, '').replace(/_total\{reason="(.*)"\}$/, '.$1').replace(/_total\{role="(.*)"\}$/, '.$1')] = d;
  }
  return out;
}

export async function runFlood(o: FloodOptions): Promise<FloodReport> {
  const log = o.log ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), 'strata-flood-'));
  const genesisMs = Date.now() - 60_000;
  const epoch = Math.floor((Date.now() - genesisMs) / EPOCH_MS);
  let provider: LoopbackProvider | undefined;
  let authority: AuthorityFixture | undefined;
  let mix: MixProcess | undefined;
  let load: Child<ToLoad, FromLoad> | undefined;
  let attack: Child<ToAttack, FromAttack> | undefined;
  // Arrivals per phase: seq → lateness ms.
  const arrivals = o.phases.map(() => new Map<number, number>());
  const duplicates = o.phases.map(() => 0);
  let lastArrival = performance.now();
  try {
    provider = await LoopbackProvider.start({
      seedByte: 0x11,
      geometry: g,
      onPacket: (packet) => {
        const at = nowMs();
        lastArrival = performance.now();
        // Runs stay inside one epoch: only its key is ever used.
        const payload = provider!.open(packet, [epoch]);
        if (!payload) return; // not one of ours
        try {
          const s = readStamp(payload);
          const seen = arrivals[s.phase];
          if (seen === undefined) return;
          if (seen.has(s.seq)) duplicates[s.phase]++;
          else seen.set(s.seq, at - s.sentAtMs - s.delayMs);
        } catch {
          /* not one of ours */
        }
      },
    });
    const frameBytes = provider.frameBytes;
    const providerLink = provider.link;
    authority = new AuthorityFixture({
      geometry: g,
      params: { muPerSecond: 1000 / o.meanDelayMs, lambdaPPerSecond: 0, lambdaLPerSecond: 0, lambdaDPerSecond: 0, lambdaMPerSecond: 0, maxDelayMs: MAX_DELAY_MS },
      mixCount: 1,
      extra: (e) => [provider!.descriptor(e)],
    });
    await authority.start();
    mix = new MixProcess(
      join(dir, 'cfg'),
      await localMixConfig(authority, join(dir, 'mix'), {
        epoch: { lengthMs: EPOCH_MS, genesisMs, graceMs: 60_000 },
        workers: { count: 1 },
        loops: { enabled: false, windowMs: 1000, warnBelowRatio: 0.5 },
        maxDelayMs: MAX_DELAY_MS,
        ...o.mixConfig,
      }),
    );
    mix.start();
    await mix.waitLine('learned our mix layer', 60_000);
    const consensus = authority.document(epoch)!.consensus;
    const md = consensus.layers[0][0].descriptor;
    const [host, port] = [md.linkAddresses[0].split(':')[1].replace('//', ''), Number(md.linkAddresses[0].split(':')[2])];
    log({ msg: 'mix up', port, epoch });

    load = new Child<ToLoad, FromLoad>('./flood-load.ts');
    load.send({
      kind: 'setup',
      setup: {
        host, port, frameBytes,
        mixLinkKey: toHex(md.linkKey), mixNodeId: toHex(md.nodeId), mixSphinxKey: toHex(sphinxKeyFor(md, epoch)!),
        providerNodeId: toHex(consensus.providers[0].descriptor.nodeId), providerSphinxKey: toHex(provider.sphinxOf(epoch).publicKey),
        providerLinkPrivateKey: toHex(providerLink.privateKey),
        meanDelayMs: o.meanDelayMs, maxDelayMs: MAX_DELAY_MS, seed: o.seed,
      },
    });
    await load.next('ready', 30_000);
    if (o.phases.includes('flood')) {
      attack = new Child<ToAttack, FromAttack>('./flood-attack.ts');
      attack.send({
        kind: 'setup',
        setup: { host, port, frameBytes, mixLinkKey: toHex(md.linkKey), authorizedLinkPrivateKey: toHex(providerLink.privateKey), concurrency: o.attackConcurrency, seed: o.seed + 7 },
      });
      await attack.next('ready', 30_000);
    }

    const phases: PhaseResult[] = [];
    for (let p = 0; p < o.phases.length; p++) {
      const kind = o.phases[p];
      const before = await scrape(mix);
      if (kind === 'flood') attack!.send({ kind: 'start' });
      log({ msg: 'phase start', phase: kind });
      load.send({ kind: 'phase', phase: p, seconds: o.secondsPerPhase, ratePps: o.ratePps });
      const done = await load.next('phaseDone', o.secondsPerPhase * 1000 * 4 + 60_000);
      let counts: AttackCounts | undefined;
      if (kind === 'flood') {
        attack!.send({ kind: 'stop' });
        counts = (await attack!.next('stopped', 30_000)).counts;
      }
      // Drain: everything sent arrives, or nothing has arrived for DRAIN_QUIET_MS.
      await waitFor(() => arrivals[p].size >= done.sent || performance.now() - lastArrival > DRAIN_QUIET_MS, 120_000);
      const after = await scrape(mix);
      const late = [...arrivals[p].values()].sort((a, b) => a - b);
      const q = (x: number): number => (late.length === 0 ? Number.NaN : Math.round(quantileSorted(late, x) * 100) / 100);
      phases.push({
        name: 'flood_real_traffic',
        phase: kind,
        seconds: o.secondsPerPhase,
        rate_pps: o.ratePps,
        achieved_pps: done.achievedPps,
        sent: done.sent,
        received: arrivals[p].size,
        lost: done.sent - arrivals[p].size,
        duplicates: duplicates[p],
        loss: done.sent === 0 ? 0 : (done.sent - arrivals[p].size) / done.sent,
        lateness_p50_ms: q(0.5),
        lateness_p99_ms: q(0.99),
        lateness_max_ms: late.length === 0 ? Number.NaN : Math.round(late[late.length - 1] * 100) / 100,
        send_failures: done.sendFailures,
        reconnects: done.reconnects,
        ...(counts ? { attack: counts } : {}),
        mix_counters: moved(before, after),
      });
      log({ msg: 'phase done', phase: kind });
    }
    const final = await scrape(mix);
    return { phases, mixAlive: mix.alive, mixRssBytes: final.get('strata_mix_process_resident_memory_bytes') ?? Number.NaN };
  } finally {
    load?.send({ kind: 'exit' });
    await load?.end();
    await attack?.end();
    if (mix) await mix.stop().catch(() => mix!.kill());
    await provider?.close();
    await authority?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
