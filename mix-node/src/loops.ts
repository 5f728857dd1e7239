// Mix loop cover traffic (Loopix §4.3): at the points of a Poisson process of rate λM the mix
// sends a packet through every other layer and back to itself. Loops that stop coming back reveal
// an active attacker delaying or dropping packets around this mix (an (n−1) attack), so the
// return ratio over each window is exported (strata_mix_loop_return_ratio) and logged.
import { randomBytes } from 'node:crypto';
import { toHex } from '@strata/core/bytes';
import type { Logger } from '@strata/core/log';
import { sphinxKeyFor, type SignedDescriptor } from '@strata/core/descriptor';
import type { Clock } from '@strata/core/sched/clock';
import { sampleHopDelays } from '@strata/core/sched/hop-delays';
import { selectPath } from '@strata/core/sched/path';
import { PoissonProcess } from '@strata/core/sched/poisson-process';
import type { Rng } from '@strata/core/sched/rng';
import { createPacket, type Geometry, type PathHop } from 'sphinx-packet-ts';
import type { MixMetrics } from './metrics.js';
import type { Topology } from '@strata/core/node/topology';

export const LOOP_ID_BYTES = 32;

export interface LoopSenderOptions {
  clock: Clock;
  rng: Rng;
  geometry: Geometry;
  metrics: MixMetrics;
  logger?: Logger;
  /** This mix's node id. */
  selfId: Uint8Array;
  /** Current topology and Sphinx key epoch (undefined while the node is not in a consensus). */
  topology(): { topology: Topology; epoch: number } | undefined;
  /** Hand the packet to the first hop. */
  send(firstHop: SignedDescriptor, packet: Uint8Array): 'sent' | string;
  /** Window over which the return ratio is computed, ms. */
  windowMs: number;
  /** A loop not back after this long counts as lost, ms (≥ the sum of its hop delays). */
  returnDeadlineMs: number;
  warnBelowRatio: number;
}

export class LoopSender {
  private readonly process: PoissonProcess;
  private readonly outstanding = new Map<string, number>();
  private windowTimer: number | undefined;
  private mu = 0;
  private maxDelayMs = 0;

  constructor(private readonly o: LoopSenderOptions) {
    this.process = new PoissonProcess(o.clock, o.rng, 0, () => this.sendOne());
  }

  /** Set λM (per second) and the per-hop delay parameters from the consensus. */
  configure(lambdaMPerSecond: number, muPerSecond: number, maxDelayMs: number): void {
    this.mu = muPerSecond / 1000;
    this.maxDelayMs = maxDelayMs;
    this.process.setRate(lambdaMPerSecond / 1000);
  }

  start(): void {
    this.process.start();
    this.scheduleWindow();
  }

  stop(): void {
    this.process.stop();
    if (this.windowTimer !== undefined) this.o.clock.cancel(this.windowTimer);
    this.windowTimer = undefined;
  }

  /** A packet for which this mix was the last hop: true if it is one of our loops. */
  onTerminal(recipient: Uint8Array | null): boolean {
    if (recipient === null || recipient.length !== LOOP_ID_BYTES) return false;
    const key = toHex(recipient);
    if (!this.outstanding.has(key)) return false;
    this.outstanding.delete(key);
    this.o.metrics.loopsReturned.inc();
    this.returnedInWindow++;
    return true;
  }

  private returnedInWindow = 0;

  /** Build and send one loop now; returns false if no route exists yet. */
  sendOne(): boolean {
    const current = this.o.topology();
    if (!current || this.mu <= 0) return false;
    const { topology, epoch } = current;
    const me = topology.byNodeId(this.o.selfId);
    if (!me || me.layer < 1 || topology.layerCount < 2) return false;
    const L = topology.layerCount;
    // Route: self → one mix in each other layer (starting after ours, cyclically) → self.
    const route = selectPath<SignedDescriptor>(topology.consensus, this.o.rng, {
      from: me.node,
      to: me.node,
      startLayer: me.layer % L,
      hops: L - 1,
    });
    const hops = route.slice(1);
    const delays = sampleHopDelays(this.mu, hops.length - 1, this.o.rng, this.maxDelayMs);
    const loopId = randomBytes(LOOP_ID_BYTES);
    const path: PathHop[] = [];
    for (let i = 0; i < hops.length; i++) {
      const d = hops[i].descriptor;
      const publicKey = sphinxKeyFor(d, epoch);
      if (!publicKey) return false;
      const last = i === hops.length - 1;
      path.push({
        id: d.nodeId,
        publicKey,
        commands: last ? [{ type: 'recipient', id: loopId }] : [{ type: 'nodeDelay', delayMs: Math.round(delays[i]) }],
      });
    }
    const payload = randomBytes(this.o.geometry.forwardPayloadLength);
    const packet = createPacket(this.o.geometry, path, payload);
    if (this.o.send(hops[0], packet) !== 'sent') return false;
    this.outstanding.set(toHex(loopId), this.o.clock.now());
    this.o.metrics.loopsSent.inc();
    this.o.metrics.packetsOut.inc({ kind: 'loop' });
    return true;
  }

  private scheduleWindow(): void {
    this.windowTimer = this.o.clock.schedule(this.o.clock.now() + this.o.windowMs, () => {
      this.closeWindow();
      this.scheduleWindow();
    });
  }

  /** Loops older than the return deadline are settled: returned ones were already removed. */
  private closeWindow(): void {
    const cutoff = this.o.clock.now() - this.o.returnDeadlineMs;
    let lost = 0;
    for (const [key, sentAt] of this.outstanding) {
      if (sentAt <= cutoff) {
        this.outstanding.delete(key);
        lost++;
      }
    }
    const returned = this.returnedInWindow;
    this.returnedInWindow = 0;
    const settled = returned + lost;
    if (settled === 0) return;
    const ratio = returned / settled;
    this.o.metrics.loopReturnRatio.set(ratio);
    const fields = { returned, lost, ratio: Number(ratio.toFixed(3)) };
    if (ratio < this.o.warnBelowRatio) this.o.logger?.warn(fields, 'mix loops are not coming back: possible (n-1) attack or link trouble');
    else this.o.logger?.info(fields, 'mix loop return ratio');
  }
}
