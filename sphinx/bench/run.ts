// npm run bench -w sphinx-packet-ts: one JSON line per figure, medians, both backends.
// {"name","backend","us_per_op","ops_per_s"}; portable runs fewer iterations. Figures named *_cpu
// are process CPU time per op over a long loop (process.cpuUsage: every thread, so V8's GC helper
// threads count too), not wall-clock medians: they show what an allocation costs beyond the loop.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  createPacket,
  createSurb,
  DEFAULT_GEOMETRY,
  Geometry,
  nativeBackend,
  portableBackend,
  prepareNodeKey,
  unwrapPacket,
  unwrapPacketInto,
  createUnwrapScratch,
  type Command,
  type CryptoBackend,
  type PathHop,
} from '../src/index.js';
import { sprpDecrypt } from '../src/sprp.js';

export interface Figure {
  name: string;
  backend: string;
  us_per_op: number;
  ops_per_s: number;
}

/** Median over `samples` samples of `batch` calls each, after a warm-up. */
export function measure(name: string, backend: string, fn: () => void, samples: number, batch = 1): Figure {
  for (let i = 0; i < Math.max(3, samples / 10); i++) fn();
  const times: number[] = [];
  for (let s = 0; s < samples; s++) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) fn();
    times.push(((performance.now() - t0) * 1000) / batch);
  }
  times.sort((a, b) => a - b);
  const us = times[times.length >> 1];
  return { name, backend, us_per_op: Math.round(us * 10) / 10, ops_per_s: Math.round(1e6 / us) };
}

/** Process CPU µs per call (all threads, GC helpers included) over `n` calls, after a warm-up. */
export function measureCpu(name: string, backend: string, fn: () => void, n: number): Figure {
  for (let i = 0; i < Math.max(3, n / 10); i++) fn();
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) fn();
  const c = process.cpuUsage(c0);
  const us = (c.user + c.system) / n;
  return { name, backend, us_per_op: Math.round(us * 10) / 10, ops_per_s: Math.round(1e6 / us) };
}

function fixture(g: Geometry, backend: CryptoBackend, surb: boolean) {
  const nodes = Array.from({ length: g.nrHops }, () => {
    const privateKey = backend.randomBytes(32);
    return { id: backend.randomBytes(32), privateKey, key: prepareNodeKey(privateKey, backend) };
  });
  const path: PathHop[] = nodes.map((n, i) => {
    const commands: Command[] =
      i < nodes.length - 1
        ? [{ type: 'nodeDelay', delayMs: 100 }]
        : [{ type: 'recipient', id: backend.randomBytes(32) }, ...(surb ? [{ type: 'surbReply' as const, id: backend.randomBytes(16) }] : [])];
    return { id: n.id, publicKey: n.key.publicKey, commands };
  });
  return { nodes, path };
}

export function benchSphinx(backend: CryptoBackend, scale: number, label: string = backend.name): Figure[] {
  const out: Figure[] = [];
  const b = label;
  for (const g of [DEFAULT_GEOMETRY, Geometry.kem({ nrHops: 5, userForwardPayloadLength: 2000, withSurb: true })]) {
    const suffix = g.kind === 'kem' ? '_kem' : '';
    const { nodes, path } = fixture(g, backend, false);
    const payload = backend.randomBytes(g.forwardPayloadLength);
    const packets = [createPacket(g, path, payload, { backend })];
    for (let i = 0; i < g.nrHops - 1; i++) packets.push(unwrapPacket(g, nodes[i].key, packets[i]).packet!);
    out.push(measure(`create_packet_5hop${suffix}`, b, () => createPacket(g, path, payload, { backend }), Math.ceil(60 * scale)));
    out.push(measure(`unwrap_forward_hop${suffix}`, b, () => unwrapPacket(g, nodes[0].key, packets[0]), Math.ceil(400 * scale), 5));
    const scratch = createUnwrapScratch(g);
    const next = new Uint8Array(g.packetLength);
    const into = () => unwrapPacketInto(g, nodes[0].key, packets[0], next, scratch);
    out.push(measure(`unwrap_forward_hop_into${suffix}`, b, into, Math.ceil(400 * scale), 5));
    if (g.kind === 'nike') {
      out.push(measureCpu('unwrap_forward_hop_cpu', b, () => unwrapPacket(g, nodes[0].key, packets[0]), Math.ceil(3000 * scale)));
      out.push(measureCpu('unwrap_forward_hop_into_cpu', b, into, Math.ceil(3000 * scale)));
    }
    out.push(measure(`unwrap_final_hop${suffix}`, b, () => unwrapPacket(g, nodes[4].key, packets[4]), Math.ceil(400 * scale), 5));
    const s = fixture(g, backend, true);
    out.push(measure(`surb_create_5hop${suffix}`, b, () => createSurb(g, s.path, { backend }), Math.ceil(60 * scale)));
  }
  const g = DEFAULT_GEOMETRY;
  const body = backend.randomBytes(g.packetLength - g.headerLength);
  const key = backend.randomBytes(48);
  const iv = backend.randomBytes(16);
  out.push(measure(`aez_payload_${body.length}B`, 'ts', () => sprpDecrypt(key, iv, body), Math.ceil(400 * scale), 5));
  return out;
}

async function main(): Promise<void> {
  const print = (f: Figure) => console.log(JSON.stringify(f));
  // native = the default native backend (libsodium X25519 when sodium-native loads, see stderr);
  // native-openssl = the same with node:crypto's X25519, for comparison (fewer figures).
  console.error(`native backend X25519: ${nativeBackend().x25519Engine}`);
  benchSphinx(nativeBackend(), 1).forEach(print);
  if (nativeBackend().x25519Engine !== 'openssl') {
    const keep = new Set(['create_packet_5hop', 'unwrap_forward_hop', 'surb_create_5hop']);
    benchSphinx(nativeBackend('openssl'), 0.5, 'native-openssl').filter((f) => keep.has(f.name)).forEach(print);
  }
  benchSphinx(portableBackend(), 0.05).filter((f) => !f.name.startsWith('aez')).forEach(print);
  // The AEZ engineer's own figures, once their bench exists.
  const aezBench = fileURLToPath(new URL('./aez.bench.ts', import.meta.url));
  if (existsSync(aezBench)) {
    const mod = (await import(new URL('./aez.bench.ts', import.meta.url).href)) as { benchAez?: () => Promise<Figure[]> };
    if (mod.benchAez) (await mod.benchAez()).forEach(print);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e: Error) => {
    console.error(e);
    process.exitCode = 1;
  });
}
