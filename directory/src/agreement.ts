// The deterministic step every authority runs once its vote and reveal sets are closed:
// the agreed descriptor set, the shared random value, and the document. Pure: the same closed
// sets give the same bytes on every honest authority.
import {
  buildConsensus,
  ConsensusError,
  toHex,
  type Consensus,
  type NetworkParams,
  type SignedDescriptor,
} from '@strata/core';
import { revealMatches, sharedRandomValue, type Reveal, type Vote } from './messages.js';

export interface TallyInput {
  epoch: number;
  /** Closed vote set: at most one vote per configured authority. */
  votes: readonly Vote[];
  /** Reveals received for those votes (unmatched ones are ignored). */
  reveals: readonly Reveal[];
  /** ⌊n/2⌋+1 of the configured authorities. */
  threshold: number;
  params: NetworkParams;
  sphinxGeometryHash: Uint8Array;
  layers: number;
}

export type TallyResult =
  | { ok: true; consensus: Consensus; participants: number; descriptors: number }
  | { ok: false; reason: 'votes' | 'reveals' | 'layers'; message: string };

/** Descriptors (exact bytes) that a threshold of votes carry; a node with rival versions is left out. */
export function agreedDescriptors(votes: readonly Vote[], threshold: number): SignedDescriptor[] {
  const byBytes = new Map<string, { sd: SignedDescriptor; count: number }>();
  for (const v of votes) {
    for (const sd of v.descriptors) {
      const k = toHex(sd.encoded);
      const e = byBytes.get(k);
      if (e) e.count++;
      else byBytes.set(k, { sd, count: 1 });
    }
  }
  const byNode = new Map<string, SignedDescriptor[]>();
  for (const { sd, count } of byBytes.values()) {
    if (count < threshold) continue;
    const id = toHex(sd.descriptor.nodeId);
    byNode.set(id, [...(byNode.get(id) ?? []), sd]);
  }
  return [...byNode.values()].filter((l) => l.length === 1).map((l) => l[0]);
}

export function tally(input: TallyInput): TallyResult {
  if (input.votes.length < input.threshold) {
    return { ok: false, reason: 'votes', message: `${input.votes.length} votes, ${input.threshold} needed` };
  }
  const participants: Reveal[] = [];
  for (const v of input.votes) {
    const r = input.reveals.find((x) => revealMatches(v, x));
    if (r) participants.push(r);
  }
  if (participants.length < input.threshold) {
    return { ok: false, reason: 'reveals', message: `${participants.length} matching reveals, ${input.threshold} needed` };
  }
  const sharedRandom = sharedRandomValue(input.epoch, participants);
  const descriptors = agreedDescriptors(input.votes, input.threshold);
  try {
    const consensus = buildConsensus({
      epoch: input.epoch,
      descriptors,
      sharedRandom,
      params: input.params,
      sphinxGeometryHash: input.sphinxGeometryHash,
      layers: input.layers,
    });
    return { ok: true, consensus, participants: participants.length, descriptors: descriptors.length };
  } catch (err) {
    if (err instanceof ConsensusError) return { ok: false, reason: 'layers', message: err.message };
    throw err;
  }
}
