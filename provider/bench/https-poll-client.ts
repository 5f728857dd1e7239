/**
 * Load generator for the HTTPS poll benchmark, run as a child process (fork, IPC) so that the
 * client's TLS and HTTP work does not share the provider's event loop. Requests are signed before
 * timing starts. Binary fields arrive base64-encoded over IPC.
 */
import { Agent, request } from 'node:https';
import { pollRequest } from '../src/client-requests.js';
import { ed25519PrivateKey } from '../src/request-signing.js';

export interface PollClientJob {
  readonly port: number;
  readonly ca: string;
  readonly aliases: string[];
  readonly aliasSeed: string;
  readonly aliasPublicKey: string;
  readonly device: string;
  readonly polls: number;
  readonly connections: number;
  readonly seed: number;
}

const job = await new Promise<PollClientJob>((resolve) => process.once('message', (m) => resolve(m as PollClientJob)));
const b = (s: string) => Buffer.from(s, 'base64');
const key = ed25519PrivateKey(b(job.aliasSeed), b(job.aliasPublicKey));
let x = job.seed >>> 0 || 1;
const pick = () => {
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  return (x >>> 0) / 2 ** 32;
};
const bodies = Array.from({ length: job.polls }, () =>
  JSON.stringify(pollRequest(b(job.aliases[Math.floor(pick() * job.aliases.length)]), key, b(job.device))),
);
const agent = new Agent({ keepAlive: true, maxSockets: job.connections, ca: b(job.ca) });
const post = (data: string) =>
  new Promise<number>((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', servername: 'localhost', port: job.port, method: 'POST', path: '/v1/poll', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(data);
  });

process.send!({ ready: true });
let next = 0;
let failures = 0;
const t = performance.now();
await Promise.all(
  Array.from({ length: job.connections }, async () => {
    while (next < bodies.length) {
      if ((await post(bodies[next++])) !== 200) failures++;
    }
  }),
);
const seconds = (performance.now() - t) / 1000;
agent.destroy();
process.send!({ seconds, failures }, () => process.disconnect());
