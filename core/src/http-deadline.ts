// A hard per-request deadline for fastify servers facing the network.
//
// Node's `requestTimeout` does not fire for a client that trickles a body one byte at a time (each
// byte resets the idle timer), so such a client could hold a connection forever (slowloris; found by
// fuzzing, issue 9). Every request must be answered within `timeoutMs`, or its connection is
// destroyed and `onTimeout` counts it.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { assertInt } from './assert.js';

export const MAX_REQUEST_DEADLINE_MS = 10 * 60 * 1000;

export function installRequestDeadline(app: FastifyInstance, timeoutMs: number, onTimeout: (req: FastifyRequest) => void): void {
  assertInt('timeoutMs', timeoutMs, 1, MAX_REQUEST_DEADLINE_MS);
  app.addHook('onRequest', (req, reply, done) => {
    const timer = setTimeout(() => {
      try {
        onTimeout(req);
      } catch {
        /* counting must never keep the connection alive */
      }
      req.raw.socket?.destroy();
    }, timeoutMs);
    timer.unref();
    reply.raw.once('close', () => clearTimeout(timer));
    done();
  });
}
