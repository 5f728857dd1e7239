// Child process of client.bench.ts: opens a bootstrapped client, waits for its provider link, then
// measures its own CPU time (process.cpuUsage: user + system, not wall time) over two windows of idle
// running (cover traffic and polling only):
//   cold    the first BENCH_IDLE_COLD_S seconds after the link is up (V8 still compiling hot paths)
//   steady  the following BENCH_IDLE_S seconds (what a client that stays up costs)
// It prints one JSON line per window. The CPU of Sphinx packet building (PacketFactory build and
// buildDrop, both synchronous) is measured on its own by wrapping the methods, so the split can be reported.
//   argv: DIR PASSPHRASE STEADY_S COLD_S [dist]   ("dist": load the compiled package, as an app would)
//   BENCH_POLL_MS       poll interval override (default: the client's)
//   BENCH_CPU_PROFILE   write a V8 CPU profile of the steady window to this file
import { writeFileSync } from 'node:fs';
import { Agent as HttpsAgent } from 'node:https';
import { Session } from 'node:inspector/promises';
import type * as ClientModule from '../../src/client.js';
import type * as PacketsModule from '../../src/packets.js';

const [dir, passphrase] = [process.argv[2], process.argv[3]];
const steadyS = Number(process.argv[4] ?? '60');
const coldS = Number(process.argv[5] ?? '20');
const fromDist = process.argv[6] === 'dist';
// Without the strata-source condition these package specifiers resolve to dist/*.js.
const { Client } = (await import(fromDist ? '@strata/client-lib/client' : '../../src/client.js')) as typeof ClientModule;
const { PacketFactory } = (await import(fromDist ? '@strata/client-lib/packets' : '../../src/packets.js')) as typeof PacketsModule;

const counters = { buildCpuMs: 0, tlsConnections: 0 };
const factory = PacketFactory.prototype as unknown as Record<'build' | 'buildDrop', (...a: unknown[]) => unknown>;
for (const method of ['build', 'buildDrop'] as const) {
  const original = factory[method];
  factory[method] = function (this: unknown, ...args: unknown[]) {
    const c0 = process.cpuUsage();
    try {
      return original.apply(this, args);
    } finally {
      const c = process.cpuUsage(c0);
      counters.buildCpuMs += (c.user + c.system) / 1000;
    }
  };
}
// Counts new TLS connections to the provider (a keep-alive agent should open one, not one per poll).
const agentProto = HttpsAgent.prototype as unknown as { createConnection: (...a: unknown[]) => unknown };
const createConnection = agentProto.createConnection;
agentProto.createConnection = function (...a: unknown[]) {
  counters.tlsConnections++;
  return createConnection.apply(this, a);
};

const client = await Client.open(dir, passphrase, process.env.BENCH_POLL_MS ? { pollIntervalMs: Number(process.env.BENCH_POLL_MS) } : {});
const t0 = Date.now();
while (!client.connected) {
  if (Date.now() - t0 > 30_000) throw new Error('no link');
  await new Promise((r) => setTimeout(r, 50));
}

async function window(name: 'cold' | 'steady', seconds: number, profileFile?: string): Promise<void> {
  const session = profileFile ? new Session() : undefined;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  const before = { ...counters };
  const stats0 = client.stats;
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const cpu = process.cpuUsage(cpu0);
  const wallMs = performance.now() - wall0;
  const stats = client.stats;
  if (session && profileFile) {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(profileFile, JSON.stringify(profile));
    session.disconnect();
  }
  process.stdout.write(
    `${JSON.stringify({
      window: name,
      cpuMs: (cpu.user + cpu.system) / 1000,
      wallMs,
      buildCpuMs: counters.buildCpuMs - before.buildCpuMs,
      tlsConnections: counters.tlsConnections - before.tlsConnections,
      packets: stats.ticksDone - stats0.ticksDone,
      polls: stats.polls - stats0.polls,
    })}\n`,
  );
}

if (coldS > 0) await window('cold', coldS);
if (steadyS > 0) await window('steady', steadyS, process.env.BENCH_CPU_PROFILE);
await client.close();
