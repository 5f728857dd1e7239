// Who may talk to whom, from the consensus (Loopix §4 stratified topology; Katzenpost's
// "mixes accept packets only from the previous layer"). Layers are numbered as in core's
// consensusNodes(): 0 = providers, 1..L = mix layers.
//
// One relaxation, for mix loops (λM): a loop of a first-layer mix comes back from the last layer,
// so layer 1 also accepts packets from layer L, and layer L may forward to layer 1.
import { toHex } from '../bytes.js';
import type { Consensus } from '../consensus.js';
import type { SignedDescriptor } from '../descriptor.js';

export interface PlacedNode {
  /** 0 = provider, 1..L = mix layer. */
  layer: number;
  node: SignedDescriptor;
}

/** Index of one consensus document by node id and by link key. */
export class Topology {
  readonly epoch: number;
  readonly layerCount: number;
  private readonly byId = new Map<string, PlacedNode>();
  private readonly byLinkKey = new Map<string, PlacedNode>();

  constructor(readonly consensus: Consensus) {
    this.epoch = consensus.epoch;
    this.layerCount = consensus.layers.length;
    const add = (layer: number, node: SignedDescriptor): void => {
      const placed = { layer, node };
      this.byId.set(toHex(node.descriptor.nodeId), placed);
      this.byLinkKey.set(toHex(node.descriptor.linkKey), placed);
    };
    consensus.providers.forEach((n) => add(0, n));
    consensus.layers.forEach((l, i) => l.forEach((n) => add(i + 1, n)));
  }

  byNodeId(nodeId: Uint8Array): PlacedNode | undefined {
    return this.byId.get(toHex(nodeId));
  }

  byLink(linkKey: Uint8Array): PlacedNode | undefined {
    return this.byLinkKey.get(toHex(linkKey));
  }

  /** Layer of `nodeId` (0 = provider), or undefined when not listed. */
  layerOf(nodeId: Uint8Array): number | undefined {
    return this.byNodeId(nodeId)?.layer;
  }

  /** May a node of layer `from` send packets to a mix of layer `to` (1..L)? */
  maySend(from: number, to: number): boolean {
    const L = this.layerCount;
    if (to < 1 || to > L) return false;
    if (from === to - 1) return true; // providers → layer 1, layer i → layer i+1
    return to === 1 && from === L && L > 1; // loops of first-layer mixes coming back
  }

  /**
   * The nodes `nodeId` may send packets to in this epoch: layer 1 for a provider, the next layer
   * for a mix (providers and layer 1 for the last layer). Empty when `nodeId` is not listed. Used
   * to dial the links of an epoch before it starts.
   */
  nextHopsOf(nodeId: Uint8Array): SignedDescriptor[] {
    const me = this.byNodeId(nodeId);
    if (!me) return [];
    const out: SignedDescriptor[] = [];
    for (const p of this.byId.values()) {
      if (p === me) continue;
      const ok = me.layer === 0 ? p.layer === 1 : this.mayForward(me.layer, p.layer);
      if (ok) out.push(p.node);
    }
    return out;
  }

  /** May a mix of layer `from` (1..L) forward to a node of layer `to`? */
  mayForward(from: number, to: number): boolean {
    const L = this.layerCount;
    if (from < 1 || from > L) return false;
    if (from === L) return to === 0 || (to === 1 && L > 1);
    return to === from + 1;
  }
}
