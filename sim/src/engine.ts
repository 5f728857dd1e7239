import {
  EventHeap,
  PoissonProcess,
  sampleHopDelays,
  seededRng,
  selectPath,
  TimerTable,
  type Clock,
  type TimerHandle,
  type Topology,
  type Xoshiro128ss,
} from '@strata/core/sched/index';
import { SendScheduler, type SendEvent } from '@strata/client-lib/send-scheduler';
import type { Scenario } from './scenario.js';
import type { Trace } from './trace.js';
import { DeliveredMass, MassTracker } from './mass-tracker.js';
import { ForwardEntropy, PoolLog, SKIP, buildPoolCsr, type ForwardEntropyResult } from './forward-entropy.js';
import { BatchForwardEntropy, DEFAULT_BATCH_SPREAD } from './batch-entropy.js';
import { F64Vec, I32Vec } from './vec.js';
import { analyseDisclosure, type DisclosureResult } from './disclosure.js';

const EV_ARRIVE = 0;
const EV_DEPART = 1;
const EV_TIMER = 2;
const EV_SHIFT = 4; // payload = index · 4 + event kind

export const KIND_REAL = 0;
export const KIND_DROP = 1;
export const KIND_LOOP = 2;
export const KIND_MIXLOOP = 3;
export const KIND_FLOOD = 4;

const POOL_HIST_BINS = 4096;

/** Per-message results of one repetition (messages sent inside the measurement window only). */
export interface MessageColumns {
  sender: Int32Array;
  recipient: Int32Array;
  sentMs: Float64Array;
  deliveredMs: Float64Array;
  /**
   * Exact forward entropy (bits) of every message: the distribution over the network's outgoing
   * messages that could be it (mass propagation, Loopix App. A / MiXiM), see {@link ForwardEntropy}.
   */
  entropy: Float64Array;
  minEntropy: Float64Array;
  /** Bound (bits) on |true − reported entropy| from pruned mass. */
  entropyErrorBound: Float64Array;
  /** Cross-check: the online MassTracker's entropy for `trackedTargets` sampled messages; NaN otherwise. */
  referenceEntropy: Float64Array;
  referenceMinEntropy: Float64Array;
  /** Entropy over senders (when metrics.senderAnonymity); NaN otherwise. */
  senderAnonymity: Float64Array;
  /** |ln(p0/p1)| for messages of the two challenge senders; NaN otherwise, Infinity when one is 0. */
  epsilon: Float64Array;
}

export interface RepResult {
  rep: number;
  seed: number;
  simulatedMs: number;
  events: number;
  /** Packet-hop events: a packet arriving at a node (provider or mix) plus a packet leaving one. */
  packetHops: number;
  packetArrivals: number;
  packetDepartures: number;
  packets: { real: number; drop: number; loop: number; mixLoop: number; flood: number; blocked: number };
  messagesSent: number;
  messagesDelivered: number;
  columns: MessageColumns;
  /** Per corruption variant: mean exact entropy of every message, compromised-path fraction. */
  variants: { fraction: number; meanEntropy: number; compromisedPaths: number }[];
  poolHist: Float64Array;
  mixLoadPerS: Float64Array;
  nMinusOne: { detectionMs: number | null; falseAlarms: number; targetEntropy: number | null; blocked: number } | null;
  disclosure: DisclosureResult | null;
  /** Mean number of packets the adversary saw in honest mix pools at departures. */
  lambdaPerMixPerS: number;
}

/** Derives the seed of repetition `rep` from the scenario seed (golden-ratio stride, 32-bit). */
export function repetitionSeed(seed: number, rep: number): number {
  return (seed + Math.imul(rep, 0x9e3779b1)) >>> 0;
}

/**
 * The discrete-event engine: one repetition of a scenario on virtual time. It implements {@link Clock}
 * so that the real client's SendScheduler and the shared PoissonProcess run on it unchanged. Packets
 * are struct-of-arrays indices; the event queue is one typed-array heap shared by packet events and
 * timers.
 */
export class Engine implements Clock {
  private readonly heap = new EventHeap(1 << 14);
  private readonly timers = new TimerTable(this.heap, EV_SHIFT, EV_TIMER);
  private t = 0;

  // Scenario-derived constants.
  private readonly P: number;
  private readonly L: number;
  private readonly W: number;
  private readonly N: number;
  private readonly K: number;
  private readonly S: number;
  private readonly U: number;
  private readonly muPerMs: number;
  private readonly capMs: number;
  private readonly warmMs: number;
  private readonly endMs: number;
  private readonly topo: Topology<number>;
  private readonly route: Scenario['topology']['kind'];
  private readonly linkFixed: number;
  private readonly linkSpan: number;

  // Random streams.
  private readonly rngPath: Xoshiro128ss;
  private readonly rngDelay: Xoshiro128ss;
  private readonly rngLink: Xoshiro128ss;
  private readonly rngMisc: Xoshiro128ss;

  // Node state.
  private readonly corrupt: Uint8Array; // N·K
  private readonly providerCorrupt: Uint8Array; // P
  private readonly obs: Int32Array; // adversary's view of pool sizes
  private readonly qlen: Int32Array; // real packets being delayed
  /** Per corruption variant: the observer's log of honest pools, for exact entropy after the run. */
  private readonly logs: PoolLog[];
  private readonly rank: Int32Array;
  private readonly arrivalsInWindow: Float64Array;
  readonly poolHist = new Float64Array(POOL_HIST_BINS);

  // Packets (struct of arrays).
  private cap = 0;
  private pKind = new Uint8Array(0);
  private pHop = new Uint8Array(0);
  private pLen = new Uint8Array(0);
  private pPath = new Int32Array(0);
  private pDelay = new Float64Array(0);
  private pMsg = new Int32Array(0);
  private pSrc = new Int32Array(0);
  private pSent = new Float64Array(0);
  private pDep = new Int32Array(0); // cap·K: last logged departure per variant, −1 before any pool
  private freeList: number[] = [];
  private readonly tmpPath: number[] = [];
  private readonly tmpDelays: Float64Array;

  // Messages (all real messages).
  private readonly mSender = new F64Vec();
  private readonly mRecipient = new F64Vec();
  private readonly mSent = new F64Vec();
  private readonly mDeliv = new F64Vec();
  /** Per variant: where each message first entered an honest pool (pool, position), −1 if never. */
  private readonly mEntryPool: I32Vec[] = [];
  private readonly mEntryPos: I32Vec[] = [];
  private readonly mTarget = new F64Vec(); // index into targets or -1
  private readonly mSA = new F64Vec();
  private readonly mEps = new F64Vec();
  /** Delivered masses of the tracked targets (reference tracker, scenario's own corruption). */
  private readonly targets: DeliveredMass[] = [];
  private readonly targetMsg: number[] = [];
  private readonly trackStride: number;
  private windowMsgs = 0;

  /** Reference mass tracker for sampled targets (variant 0). */
  private readonly fwd: MassTracker;
  private readonly users: MassTracker | null;
  private readonly challenge: [number, number];

  private readonly contacts: Int32Array;
  private readonly C: number;
  private readonly schedulers: SendScheduler<number>[] = [];
  private readonly processes: PoissonProcess[] = [];

  // Counters.
  events = 0;
  packetArrivals = 0;
  packetDepartures = 0;
  private readonly counts = { real: 0, drop: 0, loop: 0, mixLoop: 0, flood: 0, blocked: 0 };
  private readonly variantCompromised: Float64Array;
  private windowSent = 0;
  private windowDelivered = 0;

  // (n−1) attack and loop-based detection.
  private readonly attackNode: number = -1;
  private readonly attackStartMs: number = Infinity;
  private attackActive = false;
  private attackTarget = -1;
  /** How long the (n−1) attacker floods before letting its target in: 10 mean hop delays. */
  private readonly flushMs: number;
  private attackEntry: [number, number] | null = null;
  private attackBlocked = 0;
  private readonly loopSent = new F64Vec();
  private readonly loopReturned: number[] = [];
  private loopHead = 0;
  private readonly loopTimeoutMs: number;
  private detectionMs: number | null = null;
  private falseAlarms = 0;

  // Statistical disclosure.
  private readonly sda: { target: number; roundMs: number; rounds: number; real: Float64Array; all: Float64Array; aliceReal: Uint8Array; aliceAny: Uint8Array } | null;

  constructor(
    private readonly sc: Readonly<Scenario>,
    readonly rep: number,
    private readonly trace: Trace | null,
  ) {
    const seed = repetitionSeed(sc.seed, rep);
    this.seed = seed;
    const master = seededRng(seed);
    const rngPlace = master.fork();
    const rngUsers = master.fork();
    const rngTraffic = master.fork();
    const rngLoops = master.fork();
    this.rngPath = master.fork();
    this.rngDelay = master.fork();
    this.rngLink = master.fork();
    this.rngMisc = master.fork();

    const { layers: L, width: W, providers: P } = sc.topology;
    this.P = P;
    this.L = L;
    this.W = W;
    this.N = P + L * W;
    this.S = L + 2;
    this.U = sc.users.count;
    this.muPerMs = 1 / sc.hopDelayMeanMs;
    this.capMs = sc.hopDelayCapMs;
    this.warmMs = sc.warmupS * 1000;
    this.endMs = sc.durationS * 1000;
    this.route = sc.topology.kind;
    this.tmpDelays = new Float64Array(this.S);
    this.flushMs = 10 * sc.hopDelayMeanMs;
    const layers: number[][] = [];
    for (let l = 0; l < L; l++) layers.push(Array.from({ length: W }, (_, i) => P + l * W + i));
    this.topo = { layers, providers: Array.from({ length: P }, (_, i) => i) };
    if (sc.links.kind === 'fixed') {
      this.linkFixed = sc.links.ms;
      this.linkSpan = 0;
    } else {
      this.linkFixed = sc.links.minMs;
      this.linkSpan = sc.links.maxMs - sc.links.minMs;
    }

    // Corruption: variant 0 is the scenario's own fraction, then the sweep fractions. Sets are nested
    // (prefixes of one random order), so a larger fraction corrupts a superset.
    const fractions = [sc.adversary.corruptMixFraction, ...sc.metrics.corruptSweep];
    this.K = fractions.length;
    this.corrupt = new Uint8Array(this.N * this.K);
    const M = L * W;
    if (sc.adversary.placement === 'per-layer') {
      for (let l = 0; l < L; l++) {
        const order = shuffled(W, rngPlace);
        fractions.forEach((b, v) => {
          const n = Math.round(b * W);
          for (let i = 0; i < n; i++) this.corrupt[(P + l * W + order[i]) * this.K + v] = 1;
        });
      }
    } else {
      const order = shuffled(M, rngPlace);
      fractions.forEach((b, v) => {
        const n = Math.round(b * M);
        for (let i = 0; i < n; i++) this.corrupt[(P + order[i]) * this.K + v] = 1;
      });
    }
    this.providerCorrupt = new Uint8Array(P);
    const porder = shuffled(P, rngPlace);
    for (let i = 0; i < Math.round(sc.adversary.corruptProviderFraction * P); i++) {
      this.providerCorrupt[porder[i]] = 1;
      for (let v = 0; v < this.K; v++) this.corrupt[porder[i] * this.K + v] = 1;
    }
    this.variantCompromised = new Float64Array(this.K);

    this.obs = new Int32Array(this.N);
    this.qlen = new Int32Array(this.N);
    this.logs = Array.from({ length: this.K }, () => new PoolLog(this.N));
    for (let v = 0; v < this.K; v++) {
      this.mEntryPool.push(new I32Vec());
      this.mEntryPos.push(new I32Vec());
    }
    // Sweep order for the entropy computation: ingress providers, then layers in order.
    this.rank = new Int32Array(this.N);
    for (let n = P; n < this.N; n++) this.rank[n] = 1 + Math.floor((n - P) / W);
    this.arrivalsInWindow = new Float64Array(this.N);
    this.grow(1024);

    this.fwd = new MassTracker(this.N);
    this.users = sc.metrics.senderAnonymity ? new MassTracker(this.N) : null;
    this.challenge = [sc.metrics.challengeSenders[0], sc.metrics.challengeSenders[1]];

    // Users: contacts, schedulers.
    const U = this.U;
    this.C = Math.min(sc.users.contacts, Math.max(1, U - 1));
    this.contacts = new Int32Array(U * this.C);
    for (let u = 0; u < U; u++) {
      for (let c = 0; c < this.C; c++) {
        let r: number;
        do r = rngUsers.int(U);
        while (U > 1 && (r === u || this.contacts.subarray(u * this.C, u * this.C + c).includes(r)));
        this.contacts[u * this.C + c] = r;
      }
    }
    const schedRng = rngUsers.fork();
    const uopts = {
      lambdaPPerS: sc.users.lambdaPPerS,
      lambdaLPerS: sc.users.lambdaLPerS,
      lambdaDPerS: sc.users.lambdaDPerS,
      maxQueue: sc.users.maxQueue,
    };
    for (let u = 0; u < U; u++) {
      this.schedulers.push(new SendScheduler<number>(this, schedRng, uopts, (ev) => this.onUserSend(u, ev)));
    }

    // Real traffic.
    const windowS = sc.durationS - sc.warmupS;
    let expected = 0;
    const rt = sc.realTraffic;
    if (rt.kind === 'poisson' && rt.ratePerUserPerS > 0) {
      const rate = (rt.ratePerUserPerS * U) / 1000;
      this.processes.push(new PoissonProcess(this, rngTraffic, rate, () => this.onRealMessage(rngTraffic)));
      expected = rt.ratePerUserPerS * U * windowS;
    } else if (rt.kind === 'trace' && trace !== null) {
      expected = trace.timesMs.filter((x) => x >= this.warmMs && x < this.endMs).length;
    }
    const T = sc.metrics.trackedTargets;
    // Track about T targets spread over the first 80% of the window (their mass must drain before the end).
    this.trackStride = T > 0 ? Math.max(1, Math.floor((expected * 0.8) / T)) : 0;

    // Mix loops (λM), the same PoissonProcess the mix node uses.
    if (sc.mixLoops.lambdaMPerS > 0) {
      for (let n = P; n < this.N; n++) {
        const node = n;
        this.processes.push(new PoissonProcess(this, rngLoops, sc.mixLoops.lambdaMPerS / 1000, () => this.emitMixLoop(node)));
      }
    }

    // (n−1) attack.
    const linkMax = this.linkFixed + this.linkSpan;
    this.loopTimeoutMs = sc.mixLoops.timeoutMs ?? (L - 1) * this.capMs + L * linkMax + 1;
    const n1 = sc.adversary.nMinusOne;
    if (n1 !== null) {
      this.attackNode = P + n1.layer * W + n1.index;
      this.attackStartMs = n1.startS * 1000;
      const flood = new PoissonProcess(this, rngTraffic.fork(), n1.floodRatePerS / 1000, () => this.emitFlood());
      this.schedule(this.attackStartMs, () => {
        this.attackActive = true;
        flood.start();
      });
      this.floodProcess = flood;
    }

    const d = sc.metrics.disclosure;
    if (d !== null) {
      const rounds = Math.ceil(this.endMs / d.roundMs);
      this.sda = {
        target: d.target,
        roundMs: d.roundMs,
        rounds,
        real: new Float64Array(rounds * U),
        all: new Float64Array(rounds * U),
        aliceReal: new Uint8Array(rounds),
        aliceAny: new Uint8Array(rounds),
      };
    } else this.sda = null;
  }

  readonly seed: number;

  // ---- Clock -------------------------------------------------------------------------------------
  now(): number {
    return this.t;
  }
  schedule(atMs: number, fn: () => void): TimerHandle {
    return this.timers.add(atMs < this.t ? this.t : atMs, fn);
  }
  cancel(handle: TimerHandle): void {
    this.timers.cancel(handle);
  }

  // ---- Run ----------------------------------------------------------------------------------------
  run(): RepResult {
    for (const s of this.schedulers) s.start();
    for (const p of this.processes) p.start();
    if (this.trace !== null) this.scheduleTrace(0);
    if (this.attackNode >= 0 && this.sc.mixLoops.lambdaMPerS > 0) this.schedule(this.loopTimeoutMs / 4, this.checkLoops);
    this.schedule(this.endMs, () => this.stopSources());
    const heap = this.heap;
    let events = 0;
    while (heap.size > 0) {
      const payload = heap.pop();
      this.t = heap.lastTime;
      events++;
      const idx = payload >> 2;
      switch (payload & 3) {
        case EV_ARRIVE:
          this.arrive(idx);
          break;
        case EV_DEPART:
          this.depart(idx);
          break;
        default: {
          const fn = this.timers.take(payload);
          if (fn !== undefined) fn();
        }
      }
    }
    this.events = events;
    return this.result();
  }

  private floodProcess: PoissonProcess | null = null;

  private stopped = false;
  private stopSources(): void {
    this.stopped = true;
    for (const s of this.schedulers) s.stop();
    for (const p of this.processes) p.stop();
    this.floodProcess?.stop();
  }

  private scheduleTrace(i: number): void {
    const tr = this.trace as Trace;
    if (i >= tr.timesMs.length || tr.timesMs[i] >= this.endMs) return;
    this.schedule(tr.timesMs[i], () => {
      this.enqueueReal(tr.senders[i], tr.recipients[i]);
      this.scheduleTrace(i + 1);
    });
  }

  // ---- Sources -----------------------------------------------------------------------------------
  private onRealMessage(rng: Xoshiro128ss): void {
    const u = rng.int(this.U);
    const r = this.contacts[u * this.C + rng.int(this.C)];
    this.enqueueReal(u, r);
  }

  private enqueueReal(u: number, r: number): void {
    const id = this.mSender.push(u);
    this.mRecipient.push(r);
    this.mSent.push(NaN);
    this.mDeliv.push(NaN);
    for (let v = 0; v < this.K; v++) {
      this.mEntryPool[v].push(-1);
      this.mEntryPos[v].push(0);
    }
    this.mTarget.push(-1);
    this.mSA.push(NaN);
    this.mEps.push(NaN);
    try {
      this.schedulers[u].enqueue(id);
    } catch {
      // Queue full: the message is lost at the sender (counted as never sent).
    }
  }

  private onUserSend(u: number, ev: SendEvent<number>): void {
    const t = ev.atMs;
    const kind = ev.kind === 'real' ? KIND_REAL : ev.kind === 'loop' ? KIND_LOOP : KIND_DROP;
    const src = u % this.P;
    let dst: number;
    let msg = -1;
    if (kind === KIND_REAL) {
      msg = ev.message as number;
      dst = (this.mRecipient.data[msg] as number) % this.P;
      this.counts.real++;
    } else if (kind === KIND_LOOP) {
      dst = src;
      this.counts.loop++;
    } else {
      dst = this.rngMisc.int(this.P);
      this.counts.drop++;
    }
    const pk = this.alloc();
    this.pKind[pk] = kind;
    this.pMsg[pk] = msg;
    this.pSrc[pk] = u;
    this.pSent[pk] = t;
    this.pHop[pk] = 0;
    const path = selectPath(this.topo, this.rngPath, { kind: this.route, from: src, to: dst, out: this.tmpPath });
    const S = this.S;
    const L = this.L;
    const base = pk * S;
    this.pLen[pk] = L + 2;
    sampleHopDelays(this.muPerMs, L + 1, this.rngDelay, this.capMs, this.tmpDelays);
    for (let h = 0; h < L + 2; h++) {
      this.pPath[base + h] = path[h];
      this.pDelay[base + h] = h >= 1 && h <= L ? this.tmpDelays[h] : 0;
    }
    if (this.sc.providerMixing) this.pDelay[base] = this.tmpDelays[0];
    const K = this.K;
    for (let v = 0; v < K; v++) this.pDep[pk * K + v] = -1;
    if (this.users !== null) this.users.attach(pk, u, 1);
    if (kind === KIND_REAL) {
      this.mSent.data[msg] = t;
      if (t >= this.warmMs) {
        this.windowSent++;
        // Compromised path: every mix on it corrupt (per corruption variant).
        for (let v = 0; v < K; v++) {
          let all = 1;
          for (let h = 1; h <= L; h++) all &= this.corrupt[this.pPath[base + h] * K + v];
          this.variantCompromised[v] += all;
        }
        if (this.trackStride > 0 && this.windowMsgs++ % this.trackStride === 0 && this.targetMsg.length < this.sc.metrics.trackedTargets) {
          const ti = this.targetMsg.length;
          this.mTarget.data[msg] = ti;
          this.targetMsg.push(msg);
          this.fwd.attach(pk, ti, 1);
          this.targets.push(new DeliveredMass());
        }
      }
    }
    const sda = this.sda;
    if (sda !== null && u === sda.target) {
      const r = Math.floor(t / sda.roundMs);
      if (r < sda.rounds) {
        sda.aliceAny[r] = 1;
        if (kind === KIND_REAL) sda.aliceReal[r] = 1;
      }
    }
    this.heap.push(t + this.link(), pk * EV_SHIFT + EV_ARRIVE);
  }

  private emitMixLoop(node: number): void {
    const m = node - this.P;
    const layer = Math.floor(m / this.W);
    const pk = this.alloc();
    this.counts.mixLoop++;
    this.pKind[pk] = KIND_MIXLOOP;
    this.pSrc[pk] = -1 - node;
    this.pSent[pk] = this.t;
    const L = this.L;
    const path = selectPath(this.topo, this.rngPath, {
      kind: this.route,
      from: node,
      to: node,
      startLayer: (layer + 1) % L,
      hops: L - 1,
      out: this.tmpPath,
    });
    const base = pk * this.S;
    this.pLen[pk] = L + 1;
    sampleHopDelays(this.muPerMs, L, this.rngDelay, this.capMs, this.tmpDelays);
    for (let h = 0; h < L + 1; h++) {
      this.pPath[base + h] = path[h];
      this.pDelay[base + h] = h >= 1 && h < L ? this.tmpDelays[h] : 0;
    }
    if (node === this.attackNode) {
      this.pMsg[pk] = this.loopSent.push(this.t);
      this.loopReturned.push(0);
    } else this.pMsg[pk] = -1;
    // The adversary sees a packet leave the mix: it takes a share of the pool like any departure.
    for (let v = 0; v < this.K; v++) this.pDep[pk * this.K + v] = -1;
    this.packetDepartures++;
    this.departAccounting(node, pk);
    this.pHop[pk] = 1;
    this.heap.push(this.t + this.link(), pk * EV_SHIFT + EV_ARRIVE);
  }

  private emitFlood(): void {
    const X = this.attackNode;
    const m = X - this.P;
    const layer = Math.floor(m / this.W);
    const L = this.L;
    const pk = this.alloc();
    this.counts.flood++;
    this.pKind[pk] = KIND_FLOOD;
    for (let v = 0; v < this.K; v++) this.pDep[pk * this.K + v] = -1; // the attacker's own: never logged
    this.pSrc[pk] = -1;
    this.pMsg[pk] = -1;
    this.pSent[pk] = this.t;
    const hops = L - layer - 1;
    const path = selectPath(this.topo, this.rngPath, { kind: this.route, from: X, startLayer: (layer + 1) % L, hops, out: this.tmpPath });
    const base = pk * this.S;
    this.pLen[pk] = hops + 2;
    sampleHopDelays(this.muPerMs, hops + 1, this.rngDelay, this.capMs, this.tmpDelays);
    for (let h = 0; h < hops + 2; h++) {
      this.pPath[base + h] = path[h];
      this.pDelay[base + h] = h <= hops ? this.tmpDelays[h] : 0;
    }
    this.pHop[pk] = 0;
    this.heap.push(this.t, pk * EV_SHIFT + EV_ARRIVE);
  }

  // ---- Packet events -----------------------------------------------------------------------------
  private arrive(pk: number): void {
    const t = this.t;
    const h = this.pHop[pk];
    const node = this.pPath[pk * this.S + h];
    const kind = this.pKind[pk];
    this.packetArrivals++;
    if (this.attackActive && node === this.attackNode && kind !== KIND_FLOOD) {
      // (n−1): the attacker holds every packet bound for the mix except one real target.
      // The attacker lets one real packet in once the honest pool has had time to flush.
      if (this.attackTarget === -1 && kind === KIND_REAL && h < this.pLen[pk] - 1 && t >= this.attackStartMs + this.flushMs) {
        this.attackTarget = pk;
      } else {
        this.counts.blocked++;
        this.attackBlocked++;
        this.release(pk);
        return;
      }
    }
    const last = this.pLen[pk] - 1;
    if (h === last) {
      if (kind === KIND_MIXLOOP) {
        // Back at its own mix: the adversary sees an arrival into that pool.
        this.arriveAccounting(node, pk);
        const seq = this.pMsg[pk];
        if (seq >= 0) this.loopReturned[seq] = 1;
      } else this.deliver(pk, node);
      this.release(pk);
      return;
    }
    const isMix = node >= this.P;
    if (isMix || (h === 0 && this.sc.providerMixing)) {
      if (isMix && t >= this.warmMs && t < this.endMs) {
        this.arrivalsInWindow[node]++;
        const q = this.qlen[node];
        this.poolHist[q < POOL_HIST_BINS ? q : POOL_HIST_BINS - 1]++;
      }
      this.qlen[node]++;
      this.arriveAccounting(node, pk);
      if (pk === this.attackTarget && node === this.attackNode && this.attackEntry === null) {
        this.attackEntry = [node, this.logs[0].depCount[node]];
      }
      this.heap.push(t + this.pDelay[pk * this.S + h], pk * EV_SHIFT + EV_DEPART);
    } else {
      this.packetDepartures++;
      this.pHop[pk] = h + 1;
      this.heap.push(t + this.link(), pk * EV_SHIFT + EV_ARRIVE);
    }
  }

  private depart(pk: number): void {
    const h = this.pHop[pk];
    const node = this.pPath[pk * this.S + h];
    this.qlen[node]--;
    this.packetDepartures++;
    this.departAccounting(node, pk);
    if (pk === this.attackTarget && node === this.attackNode) this.attackTarget = -2; // one target per run
    this.pHop[pk] = h + 1;
    this.heap.push(this.t + this.link(), pk * EV_SHIFT + EV_ARRIVE);
  }

  /**
   * An arrival the observer sees at a mixing node (mix, mixing ingress provider, or a mix loop back
   * at its mix). Per corruption variant, at an honest node: the log links the packet's previous
   * honest departure to this pool, or records where a real message first enters an honest pool.
   */
  private arriveAccounting(node: number, pk: number): void {
    const kind = this.pKind[pk];
    if (kind === KIND_FLOOD) return; // the attacker knows its own packets
    this.obs[node]++;
    const K = this.K;
    const nb = node * K;
    const pb = pk * K;
    for (let v = 0; v < K; v++) {
      if (this.corrupt[nb + v] !== 0) continue; // a corrupt node links input to output
      const log = this.logs[v];
      const prev = this.pDep[pb + v];
      if (prev >= 0) log.enter(prev, node);
      else if (kind === KIND_REAL) {
        const msg = this.pMsg[pk];
        this.mEntryPool[v].data[msg] = node;
        this.mEntryPos[v].data[msg] = log.depCount[node];
      }
    }
    if (this.corrupt[nb] === 0) this.fwd.merge(node, pk);
    if (this.users !== null && this.corrupt[nb] === 0) this.users.merge(node, pk);
  }

  /** A departure the observer sees: at an honest node, one uniform draw from the k packets it sees. */
  private departAccounting(node: number, pk: number): void {
    if (this.pKind[pk] === KIND_FLOOD) return;
    const k = this.obs[node];
    const K = this.K;
    const nb = node * K;
    const pb = pk * K;
    if (k === 0) {
      // The observer counts the pool empty, so it takes this packet for a fresh one (a mix loop):
      // it carries no one's mass from here on.
      for (let v = 0; v < K; v++) this.pDep[pb + v] = -1;
      return;
    }
    for (let v = 0; v < K; v++) {
      if (this.corrupt[nb + v] === 0) this.pDep[pb + v] = this.logs[v].depart(node, k);
    }
    if (this.corrupt[nb] === 0) this.fwd.draw(node, pk, k);
    if (this.users !== null && this.corrupt[nb] === 0) this.users.draw(node, pk, k);
    this.obs[node] = k - 1;
  }

  private deliver(pk: number, node: number): void {
    const kind = this.pKind[pk];
    const t = this.t;
    // Masses reaching an output: a corrupt provider recognises drops, so their mass is excluded.
    const excluded = kind === KIND_DROP && this.providerCorrupt[node] === 1;
    const K = this.K;
    for (let v = 0; v < K; v++) {
      const rec = this.pDep[pk * K + v];
      if (rec >= 0) this.logs[v].leave(rec, excluded);
    }
    const masses = this.fwd.take(pk);
    if (masses !== undefined && !excluded) {
      const tv = this.targets;
      for (let i = 0; i < masses.length; i += 2) tv[masses[i]].add(masses[i + 1]);
    }
    const userMass = this.users !== null ? this.users.take(pk) : undefined;
    const sda = this.sda;
    if (sda !== null) {
      const r = Math.floor(t / sda.roundMs);
      if (r < sda.rounds) {
        const row = r * this.U;
        if (kind === KIND_REAL) {
          const rcp = this.mRecipient.data[this.pMsg[pk]];
          sda.real[row + rcp]++;
          sda.all[row + rcp]++;
        } else if (kind === KIND_DROP) sda.all[row + this.rngMisc.int(this.U)]++;
        else if (kind === KIND_LOOP) sda.all[row + this.pSrc[pk]]++;
      }
    }
    if (kind !== KIND_REAL) return;
    const msg = this.pMsg[pk];
    this.mDeliv.data[msg] = t;
    if (this.pSent[pk] >= this.warmMs) this.windowDelivered++;
    if (userMass !== undefined) {
      let z = 0;
      let p0 = 0;
      let p1 = 0;
      const [c0, c1] = this.challenge;
      for (let i = 0; i < userMass.length; i += 2) {
        const p = userMass[i + 1];
        z += p;
        if (userMass[i] === c0) p0 += p;
        else if (userMass[i] === c1) p1 += p;
      }
      this.mSA.data[msg] = z > 0 ? senderEntropy(userMass, z) : NaN;
      const s = this.pSrc[pk];
      if (s === c0 || s === c1) this.mEps.data[msg] = p0 > 0 && p1 > 0 ? Math.abs(Math.log(p0 / p1)) : Infinity;
    }
  }

  private checkLoops = (): void => {
    const t = this.t;
    const sent = this.loopSent.data;
    while (this.loopHead < this.loopSent.length) {
      if (this.loopReturned[this.loopHead] === 1) {
        this.loopHead++;
        continue;
      }
      if (t - sent[this.loopHead] > this.loopTimeoutMs) {
        // An overdue loop raises the alarm: before the attack it is a false alarm.
        if (t < this.attackStartMs) this.falseAlarms++;
        else {
          this.detectionMs = t - this.attackStartMs;
          return;
        }
        this.loopHead++;
        continue;
      }
      break;
    }
    if (!this.stopped) this.schedule(t + this.loopTimeoutMs / 4, this.checkLoops);
  };

  // ---- Packet storage ----------------------------------------------------------------------------
  private alloc(): number {
    if (this.freeList.length === 0) this.grow(this.cap * 2);
    return this.freeList.pop() as number;
  }

  private release(pk: number): void {
    this.fwd.take(pk);
    if (this.users !== null) this.users.take(pk);
    this.freeList.push(pk);
  }

  private grow(cap: number): void {
    const old = this.cap;
    const S = this.S;
    const K = this.K;
    const g8 = (a: Uint8Array, n: number) => {
      const b = new Uint8Array(n);
      b.set(a);
      return b;
    };
    const g32 = (a: Int32Array, n: number) => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    const g64 = (a: Float64Array, n: number) => {
      const b = new Float64Array(n);
      b.set(a);
      return b;
    };
    this.pKind = g8(this.pKind, cap);
    this.pHop = g8(this.pHop, cap);
    this.pLen = g8(this.pLen, cap);
    this.pPath = g32(this.pPath, cap * S);
    this.pDelay = g64(this.pDelay, cap * S);
    this.pMsg = g32(this.pMsg, cap);
    this.pSrc = g32(this.pSrc, cap);
    this.pSent = g64(this.pSent, cap);
    this.pDep = g32(this.pDep, cap * K);
    for (let i = cap - 1; i >= old; i--) this.freeList.push(i);
    this.cap = cap;
  }

  private link(): number {
    return this.linkSpan === 0 ? this.linkFixed : this.linkFixed + this.linkSpan * this.rngLink.uniform();
  }

  // ---- Results -----------------------------------------------------------------------------------
  private result(): RepResult {
    const n = this.mSender.length;
    const idx: number[] = [];
    for (let i = 0; i < n; i++) {
      const s = this.mSent.data[i];
      if (s >= this.warmMs && s < this.endMs) idx.push(i);
    }
    const ids = Int32Array.from(idx);
    const targetH = new Float64Array(ids.length).fill(NaN);
    const targetMinH = new Float64Array(ids.length).fill(NaN);
    for (let j = 0; j < ids.length; j++) {
      const ti = this.mTarget.data[ids[j]];
      if (ti >= 0) {
        const d = this.targets[ti];
        // Report only targets whose mass essentially all reached outputs before the run ended.
        if (d.total > 0.99) {
          targetH[j] = d.entropy();
          targetMinH[j] = d.minEntropy();
        }
      }
    }
    const windowMs = this.endMs - this.warmMs;
    const mixLoad = new Float64Array(this.N - this.P);
    for (let m = 0; m < mixLoad.length; m++) mixLoad[m] = (this.arrivalsInWindow[this.P + m] * 1000) / windowMs;
    const fractions = [this.sc.adversary.corruptMixFraction, ...this.sc.metrics.corruptSweep];
    const sda = this.sda;
    // Exact forward entropy of every window message, per corruption variant (variant 0 in full).
    const every = this.sc.metrics.entropyEvery;
    const pick = (a: I32Vec, skip: boolean): Int32Array => {
      const out = new Int32Array(ids.length);
      for (let j = 0; j < ids.length; j++) out[j] = skip && j % every !== 0 ? SKIP : a.data[ids[j]];
      return out;
    };
    let exact: ForwardEntropyResult | null = null;
    let attackEntropy: number | null = null;
    const variantMean = new Float64Array(this.K);
    for (let v = 0; v < this.K; v++) {
      // Every message: batched lanes (same figures within their bounds, several times less CPU).
      const csr = buildPoolCsr(this.logs[v]);
      // With every n-th message tracked, a batch's entry points may lie n× further apart (same lanes
      // per batch; sparser batches share less of each sweep).
      const be = new BatchForwardEntropy(csr, { pruneMass: this.sc.metrics.entropyPruneMass, spread: DEFAULT_BATCH_SPREAD * every });
      const res = be.computeAll(pick(this.mEntryPool[v], true), pick(this.mEntryPos[v], false));
      variantMean[v] = meanFinite(res.entropy);
      if (v === 0) {
        exact = res;
        if (this.attackEntry !== null) {
          const fe = new ForwardEntropy(this.logs[v], this.rank, this.sc.metrics.entropyPruneMass);
          attackEntropy = fe.singlePoolEntropy(this.attackEntry[0], this.attackEntry[1]);
        }
      }
    }
    const ex = exact as ForwardEntropyResult;
    return {
      rep: this.rep,
      seed: this.seed,
      simulatedMs: this.t,
      events: this.events,
      packetHops: this.packetArrivals + this.packetDepartures,
      packetArrivals: this.packetArrivals,
      packetDepartures: this.packetDepartures,
      packets: { ...this.counts },
      messagesSent: this.windowSent,
      messagesDelivered: this.windowDelivered,
      columns: {
        sender: Int32Array.from(this.mSender.toArray(ids)),
        recipient: Int32Array.from(this.mRecipient.toArray(ids)),
        sentMs: this.mSent.toArray(ids),
        deliveredMs: this.mDeliv.toArray(ids),
        entropy: ex.entropy,
        minEntropy: ex.minEntropy,
        entropyErrorBound: ex.errorBound,
        referenceEntropy: targetH,
        referenceMinEntropy: targetMinH,
        senderAnonymity: this.mSA.toArray(ids),
        epsilon: this.mEps.toArray(ids),
      },
      variants: fractions.map((fraction, v) => ({
        fraction,
        meanEntropy: variantMean[v],
        compromisedPaths: this.windowSent > 0 ? this.variantCompromised[v] / this.windowSent : NaN,
      })),
      poolHist: this.poolHist,
      mixLoadPerS: mixLoad,
      nMinusOne:
        this.attackNode >= 0
          ? { detectionMs: this.detectionMs, falseAlarms: this.falseAlarms, targetEntropy: attackEntropy, blocked: this.attackBlocked }
          : null,
      disclosure:
        sda !== null
          ? analyseDisclosure({
              users: this.U,
              rounds: Math.floor(this.t / sda.roundMs) < sda.rounds ? Math.floor(this.t / sda.roundMs) : sda.rounds,
              contacts: Array.from(this.contacts.subarray(sda.target * this.C, (sda.target + 1) * this.C)),
              real: sda.real,
              all: sda.all,
              aliceReal: sda.aliceReal,
              aliceAny: sda.aliceAny,
              target: sda.target,
            })
          : null,
      lambdaPerMixPerS: mixLoad.length > 0 ? mixLoad.reduce((a, b) => a + b, 0) / mixLoad.length : 0,
    };
  }
}

function meanFinite(a: Float64Array): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) if (Number.isFinite(a[i])) {
    s += a[i];
    n++;
  }
  return n > 0 ? s / n : NaN;
}

/** Entropy (bits) of a label→mass list after merging repeated labels and normalising by z. */
function senderEntropy(pairs: number[], z: number): number {
  const merged = new Map<number, number>();
  for (let i = 0; i < pairs.length; i += 2) merged.set(pairs[i], (merged.get(pairs[i]) ?? 0) + pairs[i + 1]);
  let h = 0;
  for (const m of merged.values()) {
    const p = m / z;
    h -= p * Math.log2(p);
  }
  return h;
}

function shuffled(n: number, rng: Xoshiro128ss): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const x = a[i];
    a[i] = a[j];
    a[j] = x;
  }
  return a;
}

/** Runs one repetition of a scenario. */
export function runRepetition(sc: Readonly<Scenario>, rep: number, trace: Trace | null = null): RepResult {
  return new Engine(sc, rep, trace).run();
}
