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

  /** May a mix of layer `from` (1..L) forward to a node of layer `to`? */
  mayForward(from: number, to: number): boolean {
    const L = this.layerCount;
    if (from < 1 || from > L) return false;
    if (from === L) return to === 0 || (to === 1 && L > 1);
    return to === from + 1;
  }
}
