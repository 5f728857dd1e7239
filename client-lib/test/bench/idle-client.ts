// Child process of client.bench.ts: opens a bootstrapped client, waits for its provider link, then
// measures its own CPU time over BENCH_IDLE_S seconds of idle running (cover traffic and polling only).
import { Client } from '../../src/client.js';

const [dir, passphrase, seconds] = [process.argv[2], process.argv[3], Number(process.argv[4] ?? '20')];
const client = await Client.open(dir, passphrase, process.env.BENCH_POLL_MS ? { pollIntervalMs: Number(process.env.BENCH_POLL_MS) } : {});
const t0 = Date.now();
while (!client.connected) {
  if (Date.now() - t0 > 30_000) throw new Error('no link');
  await new Promise((r) => setTimeout(r, 50));
}
const cpu0 = process.cpuUsage();
const wall0 = performance.now();
const stats0 = client.stats;
await new Promise((r) => setTimeout(r, seconds * 1000));
const cpu = process.cpuUsage(cpu0);
const wallMs = performance.now() - wall0;
const stats = client.stats;
await client.close();
process.stdout.write(
  `${JSON.stringify({
    cpuMs: (cpu.user + cpu.system) / 1000,
    wallMs,
    packets: stats.ticksDone - stats0.ticksDone,
    polls: stats.polls - stats0.polls,
  })}\n`,
);
