// Job handler used by worker-pool.test.ts: returns the job's bytes reversed and XORed with a
// control-set mask; a first byte 0xee throws, 0xdd kills the worker thread.
import type { WorkerHandler } from '../../src/node/worker-protocol.js';

export interface EchoJob {
  bytes: ArrayBuffer;
}

export function createHandler(init: { mask: number }): WorkerHandler<EchoJob, { bytes: ArrayBuffer; mask: number }, { mask: number }> {
  let mask = init.mask;
  return {
    run(job) {
      const input = new Uint8Array(job.bytes);
      if (input[0] === 0xee) throw Object.assign(new Error('bad job'), { name: 'EchoError', reason: 'marker' });
      if (input[0] === 0xdd) process.exit(3);
      const out = new Uint8Array(input.length);
      for (let i = 0; i < input.length; i++) out[i] = input[input.length - 1 - i] ^ mask;
      return { result: { bytes: out.buffer, mask }, transfer: [out.buffer] };
    },
    control(message) {
      mask = message.mask;
    },
  };
}
