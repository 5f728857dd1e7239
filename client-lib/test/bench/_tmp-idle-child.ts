import { Client } from '../../src/client.js';
import { PacketFactory } from '../../src/packets.js';
import { ProviderHttp } from '../../src/provider-http.js';
const acc: Record<string, number> = {};
function wrapSync(proto: any, name: string, label: string) {
  const orig = proto[name];
  proto[name] = function (...args: unknown[]) {
    const c0 = process.cpuUsage();
    try { return orig.apply(this, args); } finally { const c = process.cpuUsage(c0); acc[label] = (acc[label] ?? 0) + (c.user + c.system) / 1000; }
  };
}
wrapSync(PacketFactory.prototype, 'build', 'build');
import { Agent as HA } from 'node:https';
const origCC = (HA.prototype as any).createConnection;
(HA.prototype as any).createConnection = function (...a: unknown[]) { acc.conns = (acc.conns ?? 0) + 1; return origCC.apply(this, a); };
const [dir, passphrase, seconds] = [process.argv[2], process.argv[3], Number(process.argv[4] ?? '20')];
const client = await Client.open(dir, passphrase, process.env.BENCH_POLL_MS ? { pollIntervalMs: Number(process.env.BENCH_POLL_MS) } : {});
const t0 = Date.now();
while (!client.connected) { if (Date.now() - t0 > 30_000) throw new Error('no link'); await new Promise((r) => setTimeout(r, 50)); }
await new Promise((r) => setTimeout(r, Number(process.env.WARM ?? '0') * 1000));
for (const k of Object.keys(acc)) acc[k] = 0;
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
const session = process.env.PROF ? new Session() : undefined;
if (session) { session.connect(); await session.post('Profiler.enable'); await session.post('Profiler.start'); }
const cpu0 = process.cpuUsage();
const wall0 = performance.now();
const stats0 = client.stats;
await new Promise((r) => setTimeout(r, seconds * 1000));
const cpu = process.cpuUsage(cpu0);
const wallMs = performance.now() - wall0;
const stats = client.stats;
if (session) { const { profile } = await session.post('Profiler.stop'); writeFileSync(process.env.PROF!, JSON.stringify(profile)); }
await client.close();
const cpuMs = (cpu.user + cpu.system) / 1000;
process.stdout.write(JSON.stringify({ pct: +(100 * cpuMs / wallMs).toFixed(2), cpuMs: +cpuMs.toFixed(0), user: +(cpu.user/1000).toFixed(0), sys: +(cpu.system/1000).toFixed(0), wallMs: +wallMs.toFixed(0), packets: stats.ticksDone - stats0.ticksDone, polls: stats.polls - stats0.polls, acc }) + '\n');
