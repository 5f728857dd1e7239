import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import {
  COMMAND_HEADER_BYTES,
  decodeCommand,
  encodeCommand,
  encodePaddedCommand,
  type LinkCommand,
} from '../../src/link/commands.js';

const V = JSON.parse(readFileSync(new URL('./vectors/katzenpost-wire-commands.json', import.meta.url), 'utf8')) as Record<string, string | number>;
const hex = (s: string | number): Uint8Array => new Uint8Array(Buffer.from(String(s), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

const KATZENPOST_CASES: [string, LinkCommand][] = [
  ['NoOp', { kind: 'NoOp' }],
  ['Disconnect', { kind: 'Disconnect' }],
  ['SendPacket', { kind: 'SendPacket', packet: hex(V.SendPacketPayload) }],
  ['RetrieveMessage', { kind: 'RetrieveMessage', sequence: Number(V.RetrieveMessageSeq) }],
  ['Message', { kind: 'Message', sequence: Number(V.MessageSeq), surbId: new Uint8Array(16), payload: hex(V.MessagePayload) }],
  ['GetConsensus', { kind: 'GetConsensus', epoch: BigInt(V.GetConsensusEpoch) }],
  ['Consensus', { kind: 'Consensus', errorCode: Number(V.ConsensusErrorCode), payload: hex(V.ConsensusPayload) }],
];

describe('link commands', () => {
  for (const [name, cmd] of KATZENPOST_CASES) {
    it(`encodes ${name} exactly as Katzenpost's wire vector`, () => {
      assert.equal(toHex(encodeCommand(cmd)), V[name]);
    });

    it(`decodes Katzenpost's ${name} vector, zero-padded to a frame`, () => {
      const padded = new Uint8Array(hex(V[name]).length + 100);
      padded.set(hex(V[name]));
      assert.deepEqual(decodeCommand(padded), cmd);
    });
  }

  it('round-trips the Strata commands Rekey and MessageDelivered', () => {
    for (const cmd of [{ kind: 'Rekey' }, { kind: 'MessageDelivered', sequence: 0xffffffff }] as LinkCommand[]) {
      assert.deepEqual(decodeCommand(encodePaddedCommand(cmd, 64)), cmd);
    }
  });

  it('rejects a command that does not fit the frame', () => {
    assert.throws(() => encodePaddedCommand({ kind: 'SendPacket', packet: new Uint8Array(59) }, 64), {
      name: 'LinkError',
      reason: 'command_too_large',
    });
  });

  it('rejects a non-zero reserved byte', () => {
    const b = encodePaddedCommand({ kind: 'NoOp' }, 32);
    b[1] = 1;
    assert.throws(() => decodeCommand(b), { name: 'CommandDecodeError', reason: 'bad_command' });
  });

  it('rejects one non-zero padding byte', () => {
    const b = encodePaddedCommand({ kind: 'RetrieveMessage', sequence: 7 }, 64);
    b[63] = 0x80;
    assert.throws(() => decodeCommand(b), { name: 'CommandDecodeError', reason: 'bad_command' });
  });

  it('rejects a body length beyond the frame', () => {
    const b = encodePaddedCommand({ kind: 'SendPacket', packet: new Uint8Array(10).fill(1) }, 32);
    new DataView(b.buffer).setUint32(2, 27);
    assert.throws(() => decodeCommand(b), { name: 'CommandDecodeError', reason: 'bad_command' });
  });

  it('rejects an unknown command id', () => {
    const b = new Uint8Array(32);
    b[0] = 0x7f;
    assert.throws(() => decodeCommand(b), { name: 'CommandDecodeError', reason: 'unknown_command' });
  });

  it('rejects fixed-size commands with the wrong body size', () => {
    const b = new Uint8Array(32);
    b[0] = 16; // RetrieveMessage
    new DataView(b.buffer).setUint32(2, 3);
    assert.throws(() => decodeCommand(b), { name: 'CommandDecodeError', reason: 'bad_command' });
  });

  it('throws only CommandDecodeError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 80 }), (bytes) => {
        try {
          decodeCommand(bytes);
        } catch (err) {
          assert.equal((err as Error).name, 'CommandDecodeError');
        }
      }),
      { seed: 4242, numRuns: 2000 },
    );
  });

  it('round-trips arbitrary SendPacket and Message commands at any padding', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.nat(0xffffffff), fc.nat(50), (body, seq, extra) => {
        const send: LinkCommand = { kind: 'SendPacket', packet: body };
        assert.deepEqual(decodeCommand(encodePaddedCommand(send, COMMAND_HEADER_BYTES + body.length + extra)), send);
        const msg: LinkCommand = { kind: 'Message', sequence: seq, surbId: new Uint8Array(16).fill(3), payload: body };
        assert.deepEqual(decodeCommand(encodePaddedCommand(msg, COMMAND_HEADER_BYTES + 20 + body.length + extra)), msg);
      }),
      { seed: 7, numRuns: 300 },
    );
  });
});
