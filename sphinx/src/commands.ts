// Per-hop routing commands (Katzenpost core/sphinx/commands): encodeCommands / decodeCommands.
import { assertArray, assertBytes, assertInt, assertObject } from './assert.js';
import {
  COMMAND_NEXT_NODE_HOP,
  COMMAND_NODE_DELAY,
  COMMAND_NULL,
  COMMAND_RECIPIENT,
  COMMAND_SURB_REPLY,
  MAC_LENGTH,
  MAX_NODE_DELAY_MS,
  NEXT_NODE_HOP_LENGTH,
  NODE_DELAY_COMMAND_LENGTH,
  NODE_ID_LENGTH,
  RECIPIENT_COMMAND_LENGTH,
  RECIPIENT_ID_LENGTH,
  SURB_ID_LENGTH,
  SURB_REPLY_COMMAND_LENGTH,
} from './constants.js';
import { InvalidPacketError, SphinxArgumentError } from './errors.js';

export type NextNodeHopCommand = { type: 'nextNodeHop'; id: Uint8Array; mac: Uint8Array };
export type RecipientCommand = { type: 'recipient'; id: Uint8Array };
export type SurbReplyCommand = { type: 'surbReply'; id: Uint8Array };
export type NodeDelayCommand = { type: 'nodeDelay'; delayMs: number };
export type Command = NextNodeHopCommand | RecipientCommand | SurbReplyCommand | NodeDelayCommand;

const MAX_COMMANDS = 64;

/** Encoded size of one command. Throws SphinxArgumentError on a malformed command. */
export function commandLength(cmd: Command, path = 'command'): number {
  assertObject(cmd, path);
  switch (cmd.type) {
    case 'nextNodeHop':
      assertBytes(cmd.id, `${path}.id`, NODE_ID_LENGTH);
      assertBytes(cmd.mac, `${path}.mac`, MAC_LENGTH);
      return NEXT_NODE_HOP_LENGTH;
    case 'recipient':
      assertBytes(cmd.id, `${path}.id`, RECIPIENT_ID_LENGTH);
      return RECIPIENT_COMMAND_LENGTH;
    case 'surbReply':
      assertBytes(cmd.id, `${path}.id`, SURB_ID_LENGTH);
      return SURB_REPLY_COMMAND_LENGTH;
    case 'nodeDelay':
      assertInt(cmd.delayMs, `${path}.delayMs`, 0, MAX_NODE_DELAY_MS);
      return NODE_DELAY_COMMAND_LENGTH;
    default:
      throw new SphinxArgumentError(`${path}.type`, 'must be nextNodeHop, recipient, surbReply or nodeDelay');
  }
}

/** Total encoded size of a command list. */
export function commandsLength(cmds: readonly Command[], path = 'commands'): number {
  assertArray(cmds, path, 0, MAX_COMMANDS);
  let n = 0;
  for (let i = 0; i < cmds.length; i++) n += commandLength(cmds[i], `${path}[${i}]`);
  return n;
}

/**
 * Encodes commands back to back. Without `out`, returns exactly the encoded bytes; with `out`,
 * writes from offset 0, zero-fills the rest of `out` (the null command that ends the list) and
 * returns `out`.
 */
export function encodeCommands(cmds: readonly Command[], out?: Uint8Array): Uint8Array {
  const n = commandsLength(cmds);
  let buf: Uint8Array;
  if (out === undefined) {
    buf = new Uint8Array(n);
  } else {
    assertBytes(out, 'out');
    if (out.length < n) throw new SphinxArgumentError('out', `needs ${n} bytes, has ${out.length}`);
    buf = out;
    buf.fill(0, n);
  }
  let off = 0;
  for (const cmd of cmds) off = writeCommand(buf, off, cmd);
  return buf;
}

/** Writes one (already validated) command at `off`, returns the offset after it. */
export function writeCommand(buf: Uint8Array, off: number, cmd: Command): number {
  switch (cmd.type) {
    case 'nextNodeHop':
      buf[off] = COMMAND_NEXT_NODE_HOP;
      buf.set(cmd.id, off + 1);
      buf.set(cmd.mac, off + 1 + NODE_ID_LENGTH);
      return off + NEXT_NODE_HOP_LENGTH;
    case 'recipient':
      buf[off] = COMMAND_RECIPIENT;
      buf.set(cmd.id, off + 1);
      return off + RECIPIENT_COMMAND_LENGTH;
    case 'surbReply':
      buf[off] = COMMAND_SURB_REPLY;
      buf.set(cmd.id, off + 1);
      return off + SURB_REPLY_COMMAND_LENGTH;
    case 'nodeDelay': {
      const d = cmd.delayMs;
      buf[off] = COMMAND_NODE_DELAY;
      buf[off + 1] = (d >>> 24) & 0xff; // u32 big-endian
      buf[off + 2] = (d >>> 16) & 0xff;
      buf[off + 3] = (d >>> 8) & 0xff;
      buf[off + 4] = d & 0xff;
      return off + NODE_DELAY_COMMAND_LENGTH;
    }
  }
}

function bad(message: string): InvalidPacketError {
  return new InvalidPacketError('commands', message);
}

/**
 * Decodes a per-hop command block: commands back to back, ended by the end of the buffer or by a
 * null command (0x00) after which every byte must be zero. Throws InvalidPacketError('commands') on
 * an unknown command, a truncated command, or non-zero bytes after the null command.
 * Returned ids/macs are copies.
 */
export function decodeCommands(buf: Uint8Array): Command[] {
  assertBytes(buf, 'buf');
  const cmds: Command[] = [];
  let off = 0;
  while (off < buf.length) {
    const id = buf[off];
    const rest = buf.length - off - 1;
    switch (id) {
      case COMMAND_NULL:
        for (let i = off + 1; i < buf.length; i++) if (buf[i] !== 0) throw bad('non-zero padding after the null command');
        return cmds;
      case COMMAND_NEXT_NODE_HOP:
        if (rest < NEXT_NODE_HOP_LENGTH - 1) throw bad('truncated nextNodeHop');
        cmds.push({
          type: 'nextNodeHop',
          id: buf.slice(off + 1, off + 1 + NODE_ID_LENGTH),
          mac: buf.slice(off + 1 + NODE_ID_LENGTH, off + NEXT_NODE_HOP_LENGTH),
        });
        off += NEXT_NODE_HOP_LENGTH;
        break;
      case COMMAND_RECIPIENT:
        if (rest < RECIPIENT_COMMAND_LENGTH - 1) throw bad('truncated recipient');
        cmds.push({ type: 'recipient', id: buf.slice(off + 1, off + RECIPIENT_COMMAND_LENGTH) });
        off += RECIPIENT_COMMAND_LENGTH;
        break;
      case COMMAND_SURB_REPLY:
        if (rest < SURB_REPLY_COMMAND_LENGTH - 1) throw bad('truncated surbReply');
        cmds.push({ type: 'surbReply', id: buf.slice(off + 1, off + SURB_REPLY_COMMAND_LENGTH) });
        off += SURB_REPLY_COMMAND_LENGTH;
        break;
      case COMMAND_NODE_DELAY:
        if (rest < NODE_DELAY_COMMAND_LENGTH - 1) throw bad('truncated nodeDelay');
        cmds.push({
          type: 'nodeDelay',
          delayMs: ((buf[off + 1] << 24) | (buf[off + 2] << 16) | (buf[off + 3] << 8) | buf[off + 4]) >>> 0,
        });
        off += NODE_DELAY_COMMAND_LENGTH;
        break;
      default:
        throw bad(`unknown command 0x${id.toString(16).padStart(2, '0')}`);
    }
    if (cmds.length > MAX_COMMANDS) throw bad('too many commands');
  }
  return cmds;
}
