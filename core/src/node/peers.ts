// Outbound links to next hops: one dialled link per peer, opened on first use (or ahead of an
// epoch by `prepare`) and kept. While a link is being dialled, packets for it wait in a bounded
// per-peer queue; a failed dial is retried every LINK_REDIAL_MS while packets wait, and they are
// dropped ('link_down') only once the oldest has waited `linkWaitMs` (a peer that refuses us for a
// moment around an epoch boundary is not a dead link: docs/spec/directory.md "Epoch transitions").
// Peers are authenticated by the link key the consensus lists for them (Noise XX with the expected
// responder key).
import { assert, assertInt } from '../assert.js';
import { toHex } from '../bytes.js';
import { parseLinkAddress } from '../address.js';
import type { SignedDescriptor } from '../descriptor.js';
import { dialLink } from '../link/dial.js';
import type { LinkConnection } from '../link/connection.js';
import type { LinkMetrics } from '../link/metrics.js';
import type { LinkKeyPair } from '../link/x25519.js';
import type { NodeDropReason as DropReason } from './drop-reasons.js';

export interface PeerLinksOptions {
  staticKey: LinkKeyPair;
  frameBytes: number;
  handshakeTimeoutMs: number;
  maxQueuedBytes: number;
  maxPendingPacketsPerPeer: number;
  /** How long queued packets wait for a link that cannot be dialled yet, ms (default LINK_WAIT_MS). */
  linkWaitMs?: number;
  linkMetrics?: LinkMetrics;
  /** A packet handed to `send` could not be sent after all (dial failed, link closed). */
  onDrop(reason: DropReason): void;
}

/** Default bound on how long packets wait for a link being (re)dialled, ms. */
export const LINK_WAIT_MS = 2000;
/** Pause between two dials of a peer while packets wait for it, ms. */
export const LINK_REDIAL_MS = 100;

interface PeerState {
  conn: LinkConnection<undefined> | null;
  dialing: Promise<void> | null;
  pending: Uint8Array[];
  /** When the oldest pending packet was queued (ms, Date.now), or null when none waits. */
  waitingSinceMs: number | null;
  linkKeyHex: string;
  /** The latest descriptor of the peer (addresses to dial). */
  peer: SignedDescriptor;
}

export class PeerLinks {
  private readonly peers = new Map<string, PeerState>();
  private readonly hexOf = new WeakMap<SignedDescriptor, { id: string; linkKeyHex: string }>();
  private closed = false;

  private readonly linkWaitMs: number;
  private readonly sleeps = new Set<{ timer: NodeJS.Timeout; wake(): void }>();

  constructor(private readonly o: PeerLinksOptions) {
    assert(typeof o === 'object' && o !== null, 'options: must be an object');
    assertInt('options.maxPendingPacketsPerPeer', o.maxPendingPacketsPerPeer, 0);
    if (o.linkWaitMs !== undefined) assertInt('options.linkWaitMs', o.linkWaitMs, 0);
    assert(typeof o.onDrop === 'function', 'options.onDrop: must be a function');
    this.linkWaitMs = o.linkWaitMs ?? LINK_WAIT_MS;
  }

  /** Links currently open. */
  get openCount(): number {
    let n = 0;
    for (const p of this.peers.values()) if (p.conn && !p.conn.closed) n++;
    return n;
  }

  /**
   * Send `packet` to the node `peer` describes. Returns 'sent' when handed to an open or opening
   * link, else a drop reason. Never throws. Keeps no reference to `packet` after it returns.
   */
  send(peer: SignedDescriptor, packet: Uint8Array): 'sent' | DropReason {
    if (this.closed) return 'shutting_down';
    const state = this.stateFor(peer);
    if (state.conn && !state.conn.closed) {
      this.write(state.conn, packet);
      return 'sent';
    }
    if (state.pending.length >= this.o.maxPendingPacketsPerPeer) return 'link_down';
    if (state.pending.length === 0) state.waitingSinceMs = Date.now();
    state.pending.push(packet.slice()); // a copy: the caller may reuse its buffer once this returns
    if (!state.dialing) state.dialing = this.dial(state);
    return 'sent';
  }

  /**
   * Dial the links to `peers` that are not open yet, without sending anything: the next epoch's
   * neighbours, so that its first packets find their links up. A failed dial drops nothing; the
   * first packet for that peer dials again.
   */
  prepare(peers: readonly SignedDescriptor[]): void {
    if (this.closed) return;
    for (const peer of peers) {
      const state = this.stateFor(peer);
      if ((state.conn && !state.conn.closed) || state.dialing) continue;
      state.dialing = this.dial(state);
    }
  }

  private stateFor(peer: SignedDescriptor): PeerState {
    // Descriptors are immutable and shared by every packet routed to them: hex their keys once.
    let hex = this.hexOf.get(peer);
    if (hex === undefined) {
      hex = { id: toHex(peer.descriptor.nodeId), linkKeyHex: toHex(peer.descriptor.linkKey) };
      this.hexOf.set(peer, hex);
    }
    const { id, linkKeyHex } = hex;
    let state = this.peers.get(id);
    if (state && state.linkKeyHex !== linkKeyHex) {
      // The peer's link key changed in the consensus: drop the old link.
      state.conn?.close();
      this.peers.delete(id);
      state = undefined;
    }
    if (!state) {
      state = { conn: null, dialing: null, pending: [], waitingSinceMs: null, linkKeyHex, peer };
      this.peers.set(id, state);
    }
    state.peer = peer;
    return state;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.sleeps) {
      clearTimeout(s.timer);
      s.wake();
    }
    const dials = [...this.peers.values()].map((p) => p.dialing).filter((d): d is Promise<void> => d !== null);
    await Promise.allSettled(dials);
    for (const p of this.peers.values()) p.conn?.close();
    this.peers.clear();
  }

  private write(conn: LinkConnection<undefined>, packet: Uint8Array): void {
    try {
      conn.sendNow({ kind: 'SendPacket', packet });
    } catch {
      this.o.onDrop('link_down');
    }
  }

  private async dial(state: PeerState): Promise<void> {
    try {
      for (;;) {
        const conn = await this.connect(state.peer).catch(() => null);
        if (conn && this.closed) conn.close();
        if (conn && !this.closed) {
          state.conn = conn;
          // Outbound links only carry our packets; anything the peer sends on them is ignored.
          conn.on('close', () => {
            if (state.conn === conn) state.conn = null;
          });
          for (const p of state.pending.splice(0)) this.write(conn, p);
          state.waitingSinceMs = null;
          return;
        }
        // Retry while packets wait and the oldest has waited less than linkWaitMs; a dial of
        // `prepare` with nothing queued is not retried.
        const since = state.waitingSinceMs;
        if (this.closed || since === null || Date.now() - since >= this.linkWaitMs) break;
        await this.sleep(LINK_REDIAL_MS);
      }
      for (let i = 0; i < state.pending.length; i++) this.o.onDrop('link_down');
      state.pending.length = 0;
      state.waitingSinceMs = null;
    } finally {
      state.dialing = null;
    }
  }

  private async connect(peer: SignedDescriptor): Promise<LinkConnection<undefined>> {
    const d = peer.descriptor;
    let lastErr: unknown;
    for (const address of d.linkAddresses) {
      const { host, port } = parseLinkAddress(address);
      try {
        return await dialLink({
          host,
          port,
          staticKey: this.o.staticKey,
          expectedPeerKey: d.linkKey,
          frameBytes: this.o.frameBytes,
          handshakeTimeoutMs: this.o.handshakeTimeoutMs,
          maxQueuedBytes: this.o.maxQueuedBytes,
          ...(this.o.linkMetrics ? { metrics: this.o.linkMetrics } : {}),
        });
      } catch (err) {
        lastErr = err;
      }
    }
    throw lastErr ?? new Error('no link address');
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const s = {
        timer: setTimeout(() => {
          this.sleeps.delete(s);
          resolve();
        }, ms),
        wake: resolve,
      };
      this.sleeps.add(s);
    });
  }
}
