import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { decodeCommands, encodeCommands, type Command } from '../src/index.js';
import { hex, loadJson, toHex } from './helpers.js';

interface CommandsVector {
  NextHopID: string;
  NextHopMAC: string;
  NextHopCmdWant: string;
  RecipientID: string;
  RecipientCmdWant: string;
  SURBReplyID: string;
  SURBReplyCmdWant: string;
  NodeDelay: number;
  NodeDelayCmdWant: string;
}
const v = loadJson<CommandsVector>('sphinx_commands_vectors.json');

// fast-check builds null-prototype records; copy them into plain objects.
const commandArb: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ type: fc.constant('nextNodeHop' as const), id: fc.uint8Array({ minLength: 32, maxLength: 32 }), mac: fc.uint8Array({ minLength: 32, maxLength: 32 }) }),
  fc.record({ type: fc.constant('recipient' as const), id: fc.uint8Array({ minLength: 32, maxLength: 32 }) }),
  fc.record({ type: fc.constant('surbReply' as const), id: fc.uint8Array({ minLength: 16, maxLength: 16 }) }),
  fc.record({ type: fc.constant('nodeDelay' as const), delayMs: fc.integer({ min: 0, max: 0xffffffff }) }),
).map((c) => ({ ...c }) as Command);

function expectError(fn: () => unknown, name: string, reason?: string): void {
  assert.throws(fn, (e: Error & { reason?: string }) => e.name === name && (reason === undefined || e.reason === reason));
}

describe('commands', () => {
  describe('Katzenpost sphinx_commands_vectors', () => {
    it('encodes NextNodeHop as 0x01 || id || mac', () => {
      const enc = encodeCommands([{ type: 'nextNodeHop', id: hex(v.NextHopID), mac: hex(v.NextHopMAC) }]);
      assert.equal(toHex(enc), v.NextHopCmdWant);
    });
    it('encodes Recipient as 0x02 || id', () => {
      assert.equal(toHex(encodeCommands([{ type: 'recipient', id: hex(v.RecipientID) }])), v.RecipientCmdWant);
    });
    it('encodes SURBReply as 0x03 || id', () => {
      assert.equal(toHex(encodeCommands([{ type: 'surbReply', id: hex(v.SURBReplyID) }])), v.SURBReplyCmdWant);
    });
    it('encodes NodeDelay as 0x80 || u32 big-endian milliseconds', () => {
      assert.equal(toHex(encodeCommands([{ type: 'nodeDelay', delayMs: v.NodeDelay }])), v.NodeDelayCmdWant);
    });
    it('decodes every vector back to its command', () => {
      const all = decodeCommands(hex(v.NextHopCmdWant + v.RecipientCmdWant + v.SURBReplyCmdWant + v.NodeDelayCmdWant));
      assert.deepEqual(all, [
        { type: 'nextNodeHop', id: hex(v.NextHopID), mac: hex(v.NextHopMAC) },
        { type: 'recipient', id: hex(v.RecipientID) },
        { type: 'surbReply', id: hex(v.SURBReplyID) },
        { type: 'nodeDelay', delayMs: v.NodeDelay },
      ]);
    });
  });

  describe('encodeCommands', () => {
    it('round-trips any command list through decodeCommands, with or without zero padding', () => {
      fc.assert(
        fc.property(fc.array(commandArb, { maxLength: 6 }), fc.nat(20), (cmds, pad) => {
          const exact = encodeCommands(cmds);
          assert.deepEqual(decodeCommands(exact), cmds);
          const padded = encodeCommands(cmds, new Uint8Array(exact.length + pad).fill(0xff));
          assert.deepEqual(decodeCommands(padded), cmds);
        }),
        { seed: 2, numRuns: 300 },
      );
    });
    it('zero-fills the rest of a given output buffer', () => {
      const out = encodeCommands([{ type: 'nodeDelay', delayMs: 1 }], new Uint8Array(10).fill(9));
      assert.equal(toHex(out), '80000000010000000000');
    });
    it('refuses an output buffer that is too small', () => {
      expectError(() => encodeCommands([{ type: 'recipient', id: new Uint8Array(32) }], new Uint8Array(32)), 'SphinxArgumentError');
    });
    it('refuses ids of the wrong length, bad delays and unknown types', () => {
      expectError(() => encodeCommands([{ type: 'recipient', id: new Uint8Array(31) }]), 'SphinxArgumentError');
      expectError(() => encodeCommands([{ type: 'surbReply', id: new Uint8Array(32) }]), 'SphinxArgumentError');
      expectError(() => encodeCommands([{ type: 'nextNodeHop', id: new Uint8Array(32), mac: new Uint8Array(16) }]), 'SphinxArgumentError');
      expectError(() => encodeCommands([{ type: 'nodeDelay', delayMs: -1 }]), 'SphinxArgumentError');
      expectError(() => encodeCommands([{ type: 'nodeDelay', delayMs: 2 ** 32 }]), 'SphinxArgumentError');
      expectError(() => encodeCommands([{ type: 'nodeDelay', delayMs: 1.5 }]), 'SphinxArgumentError');
      expectError(() => encodeCommands([{ type: 'bogus' } as unknown as Command]), 'SphinxArgumentError');
      expectError(() => encodeCommands('x' as unknown as Command[]), 'SphinxArgumentError');
    });
  });

  describe('decodeCommands', () => {
    it('treats an empty buffer and all-zero padding as no commands', () => {
      assert.deepEqual(decodeCommands(new Uint8Array(0)), []);
      assert.deepEqual(decodeCommands(new Uint8Array(82)), []);
    });
    it('rejects an unknown command byte', () => {
      expectError(() => decodeCommands(hex('7f00')), 'InvalidPacketError', 'commands');
    });
    it('rejects a lone non-null byte', () => {
      expectError(() => decodeCommands(hex('80')), 'InvalidPacketError', 'commands');
    });
    it('rejects a truncated command of every type', () => {
      for (const h of [v.NextHopCmdWant, v.RecipientCmdWant, v.SURBReplyCmdWant, v.NodeDelayCmdWant]) {
        expectError(() => decodeCommands(hex(h.slice(0, -2))), 'InvalidPacketError', 'commands');
      }
    });
    it('rejects non-zero bytes after the null command', () => {
      expectError(() => decodeCommands(hex('80000000010000000100')), 'InvalidPacketError', 'commands');
    });
    it('gives only commands or a typed error for any byte string', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 120 }), (b) => {
          try {
            for (const c of decodeCommands(b)) assert.ok(['nextNodeHop', 'recipient', 'surbReply', 'nodeDelay'].includes(c.type));
          } catch (e) {
            assert.equal((e as Error).name, 'InvalidPacketError');
            assert.equal((e as { reason?: string }).reason, 'commands');
          }
        }),
        { seed: 3, numRuns: 1000 },
      );
    });
    it('refuses a non-Uint8Array argument', () => {
      expectError(() => decodeCommands([1, 2] as unknown as Uint8Array), 'SphinxArgumentError');
    });
  });
});
