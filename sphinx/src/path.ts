// A packet's route as the sender describes it, and its validation.
import { assertArray, assertBytes, assertObject } from './assert.js';
import { commandsLength, type Command } from './commands.js';
import { NEXT_NODE_HOP_LENGTH, NODE_ID_LENGTH, X25519_KEY_LENGTH } from './constants.js';
import { SphinxArgumentError } from './errors.js';
import type { Geometry } from './geometry.js';

export interface PathHop {
  /** 32-byte node id (BLAKE2b-256 of the node's identity key). */
  id: Uint8Array;
  /** The node's 32-byte X25519 Sphinx public key (NIKE) or KEM public key. */
  publicKey: Uint8Array;
  /** Routing commands for this hop, excluding nextNodeHop (which packet creation adds). */
  commands: readonly Command[];
}

/** Checks a path against a geometry; returns the encoded-commands length of each hop. */
export function validatePath(g: Geometry, path: readonly PathHop[], requireSurbReply = false): void {
  assertArray(path, 'path', 1, g.nrHops);
  for (let i = 0; i < path.length; i++) {
    const p = `path[${i}]`;
    const hop = path[i];
    assertObject(hop, p);
    assertBytes(hop.id, `${p}.id`, NODE_ID_LENGTH);
    assertBytes(hop.publicKey, `${p}.publicKey`, X25519_KEY_LENGTH);
    const n = commandsLength(hop.commands, `${p}.commands`);
    const terminal = i === path.length - 1;
    for (const c of hop.commands) {
      if (c.type === 'nextNodeHop') throw new SphinxArgumentError(`${p}.commands`, 'must not contain nextNodeHop (added by packet creation)');
    }
    const counts = { recipient: 0, surbReply: 0, nodeDelay: 0 };
    for (const c of hop.commands) counts[c.type as keyof typeof counts]++;
    if (counts.surbReply > 1 || counts.recipient > 1 || counts.nodeDelay > 1) {
      throw new SphinxArgumentError(`${p}.commands`, 'at most one command of each type');
    }
    const room = g.commandsLength - (terminal ? 0 : NEXT_NODE_HOP_LENGTH);
    if (n > room) throw new SphinxArgumentError(`${p}.commands`, `encode to ${n} bytes, only ${room} fit in this hop`);
    if (terminal && requireSurbReply && counts.surbReply !== 1) {
      throw new SphinxArgumentError(`${p}.commands`, "a SURB's last hop needs a surbReply command");
    }
  }
}
