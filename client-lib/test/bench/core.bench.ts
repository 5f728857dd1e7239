// Micro-benchmarks of the client core. Run (from client-lib/):
//   node --import tsx --conditions=strata-source test/bench/core.bench.ts
// Prints one JSON object per line (median of 5 rounds), as docs/contributing.md §Benchmarks asks.
import { portableBackend, type CryptoBackend } from '../../src/crypto-backend.js';
import { nodeBackend } from '../../src/crypto-node.js';
import { openEnvelope, sealEnvelope } from '../../src/envelope.js';
import { fragmentMessage, Reassembler } from '../../src/fragment.js';
import { fingerprint } from '../../src/fingerprint.js';
import { generateIdentity } from '../../src/identity.js';
import { payloadBudget } from '../../src/payload-budget.js';
import { SecureStore } from '../../src/secure-store.js';
import { makeTempDir, seededBytes } from '../helpers.js';

const ROUNDS = 5;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function bench(name: string, opsPerRound: number, fn: () => unknown | Promise<unknown>, extra: Record<string, unknown> = {}): Promise<void> {
  await fn(); // warm-up
  const rounds: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    for (let i = 0; i < opsPerRound; i++) await fn();
    rounds.push(((performance.now() - t0) * 1000) / opsPerRound);
  }
  const us = median(rounds);
  console.log(JSON.stringify({ name, ...extra, us_per_op: Number(us.toFixed(1)), ops_per_s: Math.round(1e6 / us) }));
}

const budget = payloadBudget();
const alice = generateIdentity(nodeBackend);
const bob = generateIdentity(nodeBackend);
const body = seededBytes(budget.bodyBytes, 1);

for (const [backend, n] of [[nodeBackend, 200], [portableBackend, 20]] as [CryptoBackend, number][]) {
  await bench('envelope_seal', n, () => sealEnvelope(alice, bob, body, budget.envelopeBytes, backend), { backend: backend.name });
  const sealed = sealEnvelope(alice, bob, body, budget.envelopeBytes, backend);
  await bench('envelope_open', n, () => openEnvelope(bob, sealed, backend), { backend: backend.name });
}

const oneMiB = seededBytes(1024 * 1024, 2);
await bench('fragment_1MiB', 3, () => fragmentMessage(oneMiB, budget.fragmentDataBytes), { fragments: Math.ceil(oneMiB.length / budget.fragmentDataBytes) });
const frags = fragmentMessage(oneMiB, budget.fragmentDataBytes);
await bench('reassemble_1MiB', 3, () => {
  const r = new Reassembler();
  for (const f of frags) r.accept('s', f);
});
await bench('fingerprint', 20, () => fingerprint(alice));

const tmp = makeTempDir();
try {
  await bench('store_unlock_scrypt_2^16', 1, async () => {
    const s = await SecureStore.open({ dir: tmp.dir, passphrase: 'bench passphrase' });
    await s.close();
  });
  const store = await SecureStore.open({ dir: tmp.dir, passphrase: 'bench passphrase' });
  const t = store.table('outbox');
  const record = seededBytes(100, 3);
  let k = 0;
  await bench('store_put_100B', 200, () => t.put(`k${k++ % 1000}`, record));
  await bench('store_get_100B', 2000, () => t.get(`k${k++ % 1000}`));
  await store.close();
} finally {
  tmp.remove();
}
