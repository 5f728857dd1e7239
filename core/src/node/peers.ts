// Outbound links to next hops: one dialled link per peer, opened on first use and kept. While a
// link is being dialled, packets for it wait in a bounded per-peer queue; a failed dial drops them
// ('link_down') and the next packet dials again. Peers are authenticated by the link key the
// consensus lists for them (Noise XX with the expected responder key).
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
  linkMetrics?: LinkMetrics;
  /** A packet handed to `send` could not be sent after all (dial failed, link closed). */
  onDrop(reason: DropReason): void;
}

interface PeerState {
  conn: LinkConnection<undefined> | null;
  dialing: Promise<void> | null;
  pending: Uint8Array[];
  linkKeyHex: string;
}

export class PeerLinks {
  private readonly peers = new Map<string, PeerState>();
  private closed = false;

  constructor(private readonly o: PeerLinksOptions) {}

  /** Links currently open. */
  get openCount(): number {
    let n = 0;
    for (const p of this.peers.values()) if (p.conn && !p.conn.closed) n++;
    return n;
  }

  /**
   * Send `packet` to the node `peer` describes. Returns 'sent' when handed to an open or opening
   * link, else a drop reason. Never throws.
   */
  send(peer: SignedDescriptor, packet: Uint8Array): 'sent' | DropReason {
    if (this.closed) return 'shutting_down';
    const d = peer.descriptor;
    const id = toHex(d.nodeId);
    const linkKeyHex = toHex(d.linkKey);
    let state = this.peers.get(id);
    if (state && state.linkKeyHex !== linkKeyHex) {
      // The peer's link key changed in the consensus: drop the old link.
      state.conn?.close();
      this.peers.delete(id);
      state = undefined;
    }
    if (!state) {
      state = { conn: null, dialing: null, pending: [], linkKeyHex };
      this.peers.set(id, state);
    }
    if (state.conn && !state.conn.closed) {
      this.write(state.conn, packet);
      return 'sent';
    }
    if (state.pending.length >= this.o.maxPendingPacketsPerPeer) return 'link_down';
    state.pending.push(packet);
    if (!state.dialing) state.dialing = this.dial(state, peer);
    return 'sent';
  }

  async close(): Promise<void> {
    this.closed = true;
    const dials = [...this.peers.values()].map((p) => p.dialing).filter((d): d is Promise<void> => d !== null);
    await Promise.allSettled(dials);
    for (const p of this.peers.values()) p.conn?.close();
    this.peers.clear();
  }

  private write(conn: LinkConnection<undefined>, packet: Uint8Array): void {
    conn.send({ kind: 'SendPacket', packet }).catch(() => this.o.onDrop('link_down'));
  }

  private async dial(state: PeerState, peer: SignedDescriptor): Promise<void> {
    const d = peer.descriptor;
    try {
      let conn: LinkConnection<undefined> | null = null;
      let lastErr: unknown;
      for (const address of d.linkAddresses) {
        const { host, port } = parseLinkAddress(address);
        try {
          conn = await dialLink({
            host,
            port,
            staticKey: this.o.staticKey,
            expectedPeerKey: d.linkKey,
            frameBytes: this.o.frameBytes,
            handshakeTimeoutMs: this.o.handshakeTimeoutMs,
            maxQueuedBytes: this.o.maxQueuedBytes,
            ...(this.o.linkMetrics ? { metrics: this.o.linkMetrics } : {}),
          });
          break;
        } catch (err) {
          lastErr = err;
        }
      }
      if (!conn) throw lastErr ?? new Error('no link address');
      if (this.closed) {
        conn.close();
        throw new Error('closed');
      }
      state.conn = conn;
      // Outbound links only carry our packets; anything the peer sends on them is ignored.
      conn.on('close', () => {
        if (state.conn === conn) state.conn = null;
      });
      for (const p of state.pending.splice(0)) this.write(conn, p);
    } catch {
      for (let i = 0; i < state.pending.length; i++) this.o.onDrop('link_down');
      state.pending.length = 0;
    } finally {
      state.dialing = null;
    }
  }
}
