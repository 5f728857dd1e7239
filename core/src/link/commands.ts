// Link commands, encoded as Katzenpost wire commands (core/wire/commands): command id (1 byte),
// reserved 0x00 (1 byte), u32be body length, body, then zero padding up to the fixed plaintext
// size of the link. Checked against Katzenpost's wire_commands_vectors.json.
import { assert, assertBytes, assertInt } from '../assert.js';
import { CommandDecodeError, LinkError } from './errors.js';

/** Command header: id, reserved byte, u32be body length (Katzenpost cmdOverhead). */
export const COMMAND_HEADER_BYTES = 6;
/** SURB id length carried by Message (Katzenpost constants.SURBIDLength). */
export const SURB_ID_BYTES = 16;

/** Command ids: Katzenpost's, plus Strata's own from 0x80 (Katzenpost does not use that range). */
export const CommandId = Object.freeze({
  NoOp: 0,
  Disconnect: 1,
  SendPacket: 2,
  MessageDelivered: 5,
  RetrieveMessage: 16,
  Message: 17,
  GetConsensus: 18,
  Consensus: 19,
  /** Strata: the sender switches its sending key (Noise REKEY) right after this frame. */
  Rekey: 0x80,
} as const);

/** Consensus error codes (Katzenpost ConsensusOk/NotFound/Gone). */
export const ConsensusStatus = Object.freeze({ Ok: 0, NotFound: 1, Gone: 2 } as const);

export type LinkCommand =
  | { readonly kind: 'NoOp' }
  | { readonly kind: 'Disconnect' }
  | { readonly kind: 'SendPacket'; readonly packet: Uint8Array }
  | { readonly kind: 'MessageDelivered'; readonly sequence: number }
  | { readonly kind: 'RetrieveMessage'; readonly sequence: number }
  | { readonly kind: 'Message'; readonly sequence: number; readonly surbId: Uint8Array; readonly payload: Uint8Array }
  | { readonly kind: 'GetConsensus'; readonly epoch: bigint }
  | { readonly kind: 'Consensus'; readonly errorCode: number; readonly payload: Uint8Array }
  | { readonly kind: 'Rekey' };

export type LinkCommandKind = LinkCommand['kind'];

const U64_MAX = (1n << 64n) - 1n;

/** Body length of a command (without header and padding). */
export function commandBodyBytes(cmd: LinkCommand): number {
  switch (cmd.kind) {
    case 'NoOp':
    case 'Disconnect':
    case 'Rekey':
      return 0;
    case 'SendPacket':
      return cmd.packet.length;
    case 'MessageDelivered':
    case 'RetrieveMessage':
      return 4;
    case 'Message':
      return 4 + SURB_ID_BYTES + cmd.payload.length;
    case 'GetConsensus':
      return 8;
    case 'Consensus':
      return 1 + cmd.payload.length;
  }
}

function validate(cmd: LinkCommand): void {
  assert(typeof cmd === 'object' && cmd !== null, 'command: expected an object');
  switch (cmd.kind) {
    case 'SendPacket':
      assertBytes('SendPacket.packet', cmd.packet);
      assert(cmd.packet.length > 0, 'SendPacket.packet: must not be empty');
      break;
    case 'MessageDelivered':
    case 'RetrieveMessage':
      assertInt(`${cmd.kind}.sequence`, cmd.sequence, 0, 0xffffffff);
      break;
    case 'Message':
      assertInt('Message.sequence', cmd.sequence, 0, 0xffffffff);
      assertBytes('Message.surbId', cmd.surbId, SURB_ID_BYTES);
      assertBytes('Message.payload', cmd.payload);
      break;
    case 'GetConsensus':
      assert(typeof cmd.epoch === 'bigint' && cmd.epoch >= 0n && cmd.epoch <= U64_MAX, 'GetConsensus.epoch: expected a u64 bigint');
      break;
    case 'Consensus':
      assertInt('Consensus.errorCode', cmd.errorCode, 0, 0xff);
      assertBytes('Consensus.payload', cmd.payload);
      break;
    case 'NoOp':
    case 'Disconnect':
    case 'Rekey':
      break;
    default:
      assert(false, `unknown command kind ${String((cmd as { kind: unknown }).kind)}`);
  }
}

/**
 * Writes `cmd` into `out` (which must be zero-filled: the rest is the zero padding) and returns
 * the number of bytes used. Throws LinkError('command_too_large') if it does not fit.
 */
export function encodeCommandInto(cmd: LinkCommand, out: Uint8Array): number {
  validate(cmd);
  const body = commandBodyBytes(cmd);
  const total = COMMAND_HEADER_BYTES + body;
  if (total > out.length) {
    throw new LinkError('command_too_large', `${cmd.kind}: ${total} bytes exceed the link's ${out.length}-byte command size`);
  }
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  out[0] = CommandId[cmd.kind];
  out[1] = 0; // reserved
  view.setUint32(2, body);
  const o = COMMAND_HEADER_BYTES;
  switch (cmd.kind) {
    case 'SendPacket':
      out.set(cmd.packet, o);
      break;
    case 'MessageDelivered':
    case 'RetrieveMessage':
      view.setUint32(o, cmd.sequence);
      break;
    case 'Message':
      view.setUint32(o, cmd.sequence);
      out.set(cmd.surbId, o + 4);
      out.set(cmd.payload, o + 4 + SURB_ID_BYTES);
      break;
    case 'GetConsensus':
      view.setBigUint64(o, cmd.epoch);
      break;
    case 'Consensus':
      out[o] = cmd.errorCode;
      out.set(cmd.payload, o + 1);
      break;
    default:
      break;
  }
  return total;
}

/** Encodes `cmd` unpadded (header + body), as in Katzenpost's vectors. */
export function encodeCommand(cmd: LinkCommand): Uint8Array {
  validate(cmd);
  const out = new Uint8Array(COMMAND_HEADER_BYTES + commandBodyBytes(cmd));
  encodeCommandInto(cmd, out);
  return out;
}

/** Encodes `cmd` zero-padded to exactly `commandBytes` bytes. */
export function encodePaddedCommand(cmd: LinkCommand, commandBytes: number): Uint8Array {
  assertInt('commandBytes', commandBytes, COMMAND_HEADER_BYTES);
  const out = new Uint8Array(commandBytes);
  encodeCommandInto(cmd, out);
  return out;
}

function bad(message: string): CommandDecodeError {
  return new CommandDecodeError('bad_command', message);
}

function needBody(len: number, n: number, name: string): void {
  if (len !== n) throw bad(`${name}: body must be ${n} bytes, got ${len}`);
}

/**
 * Decodes a (padded) command. Like Katzenpost's FromBytes: the reserved byte must be zero, the
 * body must fit, every padding byte must be zero; body sizes are checked per command.
 * Throws CommandDecodeError ('bad_command' | 'unknown_command'). Byte fields are views into `b`.
 */
export function decodeCommand(b: Uint8Array): LinkCommand {
  assertBytes('command', b);
  if (b.length < COMMAND_HEADER_BYTES) throw bad('shorter than the command header');
  if (b[1] !== 0) throw bad('reserved byte is not zero');
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const len = view.getUint32(2);
  if (len > b.length - COMMAND_HEADER_BYTES) throw bad('body length exceeds the frame');
  const end = COMMAND_HEADER_BYTES + len;
  let pad = 0;
  for (let i = end; i < b.length; i++) pad |= b[i]; // read every byte: no early exit
  if (pad !== 0) throw bad('non-zero padding');
  const body = b.subarray(COMMAND_HEADER_BYTES, end);
  const o = COMMAND_HEADER_BYTES;
  switch (b[0]) {
    case CommandId.NoOp:
      needBody(len, 0, 'NoOp');
      return { kind: 'NoOp' };
    case CommandId.Disconnect:
      needBody(len, 0, 'Disconnect');
      return { kind: 'Disconnect' };
    case CommandId.Rekey:
      needBody(len, 0, 'Rekey');
      return { kind: 'Rekey' };
    case CommandId.SendPacket:
      if (len === 0) throw bad('SendPacket: empty packet');
      return { kind: 'SendPacket', packet: body };
    case CommandId.MessageDelivered:
      needBody(len, 4, 'MessageDelivered');
      return { kind: 'MessageDelivered', sequence: view.getUint32(o) };
    case CommandId.RetrieveMessage:
      needBody(len, 4, 'RetrieveMessage');
      return { kind: 'RetrieveMessage', sequence: view.getUint32(o) };
    case CommandId.Message:
      if (len < 4 + SURB_ID_BYTES) throw bad('Message: body too short');
      return {
        kind: 'Message',
        sequence: view.getUint32(o),
        surbId: body.subarray(4, 4 + SURB_ID_BYTES),
        payload: body.subarray(4 + SURB_ID_BYTES),
      };
    case CommandId.GetConsensus:
      needBody(len, 8, 'GetConsensus');
      return { kind: 'GetConsensus', epoch: view.getBigUint64(o) };
    case CommandId.Consensus:
      if (len < 1) throw bad('Consensus: missing error code');
      return { kind: 'Consensus', errorCode: body[0], payload: body.subarray(1) };
    default:
      throw new CommandDecodeError('unknown_command', `unknown command id ${b[0]}`);
  }
}
