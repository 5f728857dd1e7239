/**
 * Ingress benchmark: packets/s a provider takes from one client link, unwraps (worker pool),
 * replay-checks (LMDB), delays (NodeDelay 0) and forwards to its layer-1 mix over a real Noise link.
 * Packets are built before the clock starts; the layer-1 stand-in only counts arrivals.
 */
import { randomBytes } from 'node:crypto';
import { generateLinkKeyPair } from '@strata/core/link/x25519';
import { createPacket } from 'sphinx-packet-ts';
import { waitFor } from '../../core/test/node/manual-timers.js';
import { epochNow, g, startRig } from '../test/mixnet-fixture.js';
import { aliasId } from '../test/helpers.js';

export async function benchIngress(packets: number, workers: number): Promise<Record<string, unknown>> {
  const rig = await startRig({ rateLimit: { packetsPerSecond: 1_000_000, burst: 1_000_000 }, workers, unwrapAtMixes: false });
  try {
    const clientLink = generateLinkKeyPair();
    await rig.registerUser(aliasId(1), clientLink.publicKey);
    const conn = await rig.dial(clientLink);
    const l1 = rig.layer(1);
    const p = rig.providerDescriptor().descriptor;
    const hops = [
      { id: p.nodeId, publicKey: rig.providerSphinxKey(), commands: [{ type: 'nodeDelay' as const, delayMs: 0 }] },
      { id: l1.nodeId, publicKey: l1.sphinxOf(epochNow()).publicKey, commands: [{ type: 'recipient' as const, id: randomBytes(32) }] },
    ];
    const payload = new Uint8Array(g.forwardPayloadLength);
    const built = Array.from({ length: packets }, () => createPacket(g, hops, payload));
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (const packet of built) await conn.send({ kind: 'SendPacket', packet });
    await waitFor(() => l1.packets >= packets, 120_000);
    const s = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(c0);
    conn.close();
    return {
      name: 'ingress_unwrap_forward',
      workers,
      packet_bytes: g.packetLength,
      ops: packets,
      ops_per_s: Math.round(packets / s),
      us_per_op: +((s * 1e6) / packets).toFixed(2),
      // Main-thread CPU of this process (client, provider event loop, layer-1 stand-in); workers excluded.
      main_cpu_s: +((cpu.user + cpu.system) / 1e6).toFixed(2),
    };
  } finally {
    await rig.stop();
  }
}
