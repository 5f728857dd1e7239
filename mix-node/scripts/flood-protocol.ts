// Messages between the flood orchestrator (flood.ts) and its two child processes, the load
// generator (flood-load.ts) and the attacker (flood-attack.ts), over the Node IPC channel.

/** What the load generator needs to build packets mix → provider and to link to the mix. */
export interface LoadSetup {
  host: string;
  port: number;
  frameBytes: number;
  /** Hex: the mix's link key, node id and Sphinx key of `epoch`; the provider's node id and Sphinx key. */
  mixLinkKey: string;
  mixNodeId: string;
  mixSphinxKey: string;
  providerNodeId: string;
  providerSphinxKey: string;
  /** Hex: the provider's link private key (the mix lets providers link to layer 1). */
  providerLinkPrivateKey: string;
  /** Mean of the exponential NodeDelay (ms), capped at maxDelayMs; seeded. */
  meanDelayMs: number;
  maxDelayMs: number;
  seed: number;
}

export type ToLoad = { kind: 'setup'; setup: LoadSetup } | { kind: 'phase'; phase: number; seconds: number; ratePps: number } | { kind: 'exit' };
export type FromLoad =
  | { kind: 'ready' }
  | { kind: 'phaseDone'; phase: number; sent: number; sendFailures: number; reconnects: number; achievedPps: number };

export interface AttackSetup {
  host: string;
  port: number;
  frameBytes: number;
  mixLinkKey: string;
  /** An authorized link key (the provider's): used for "valid handshake, then garbage frames". */
  authorizedLinkPrivateKey: string;
  /** Concurrent workers per attack. */
  concurrency: number;
  seed: number;
}

export type ToAttack = { kind: 'setup'; setup: AttackSetup } | { kind: 'start' } | { kind: 'stop' };
export interface AttackCounts {
  /** Sockets opened that sent random bytes. */
  garbageConnections: number;
  garbageBytes: number;
  /** Full Noise XX handshakes attempted with an unauthorized static key. */
  handshakeAttempts: number;
  /** Sockets that sent a valid first handshake message and then stalled. */
  stalledHandshakes: number;
  /** Handshakes with the authorized key that completed before garbage frames were sent. */
  authenticatedGarbageLinks: number;
  /** Attempts with the authorized key that the mix refused (e.g. too_many_connections). */
  authenticatedRefused: number;
  garbageFrames: number;
}
export type FromAttack = { kind: 'ready' } | { kind: 'stopped'; counts: AttackCounts };

/** Layout of the first bytes of each real payload: phase u32, seq u32, sent-at f64 (ms, epoch), delay f64 (ms). */
export const STAMP_BYTES = 24;

export function writeStamp(payload: Uint8Array, phase: number, seq: number, sentAtMs: number, delayMs: number): void {
  const v = new DataView(payload.buffer, payload.byteOffset, STAMP_BYTES);
  v.setUint32(0, phase);
  v.setUint32(4, seq);
  v.setFloat64(8, sentAtMs);
  v.setFloat64(16, delayMs);
}

export function readStamp(payload: Uint8Array): { phase: number; seq: number; sentAtMs: number; delayMs: number } {
  const v = new DataView(payload.buffer, payload.byteOffset, STAMP_BYTES);
  return { phase: v.getUint32(0), seq: v.getUint32(4), sentAtMs: v.getFloat64(8), delayMs: v.getFloat64(16) };
}

/** Milliseconds since the Unix epoch with sub-ms resolution, comparable across local processes. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
