import assert from 'node:assert/strict';
import { buildConsensus, type Consensus } from '@strata/core/consensus';
import { createDescriptor, signDescriptor, type SignedDescriptor } from '@strata/core/descriptor';
import { Ed25519Signer, generateX25519KeyPair } from '@strata/core/keys';
import { VirtualClock } from '@strata/core/sched/clock';
import { seededRng } from '@strata/core/sched/rng';
import { DEFAULT_GEOMETRY as g, generateNodeKeyPair, geometryHash, unwrapPacket } from 'sphinx-packet-ts';
import { LoopSender } from '../src/loops.js';
import { MixMetrics } from '../src/metrics.js';
import { Topology } from '@strata/core/node/topology';

const EPOCH = 5;

function node(seed: number, role: 'mix' | 'provider') {
  const signer = new Ed25519Signer(new Uint8Array(32).fill(seed));
  const sphinx = generateNodeKeyPair();
  const sd = signDescriptor(
    createDescriptor({
      epoch: EPOCH,
      role,
      identityKey: signer.publicKey,
      linkKey: generateX25519KeyPair().publicKey,
      linkAddresses: [`tcp://127.0.0.1:${7000 + seed}`],
      ...(role === 'provider' ? { clientApiUrl: 'https://provider.example/' } : {}),
      sphinxPublicKeys: [sphinx.publicKey, generateNodeKeyPair().publicKey],
    }),
    signer,
  );
  return { sd, sphinx };
}

describe('LoopSender', () => {
  const nodes = [node(1, 'mix'), node(2, 'mix'), node(3, 'mix'), node(4, 'provider')];
  const consensus: Consensus = buildConsensus({
    epoch: EPOCH,
    descriptors: nodes.map((n) => n.sd),
    sharedRandom: new Uint8Array(32).fill(3),
    params: { muPerSecond: 10, lambdaPPerSecond: 0, lambdaLPerSecond: 0, lambdaDPerSecond: 0, lambdaMPerSecond: 2, maxDelayMs: 1000 },
    sphinxGeometryHash: geometryHash(g),
    layers: 3,
  });
  const topology = new Topology(consensus);
  const keyOf = (id: Uint8Array) => nodes.find((n) => Buffer.from(n.sd.descriptor.nodeId).equals(Buffer.from(id)))!.sphinx.privateKey;

  function sender(self: SignedDescriptor, sent: { hop: SignedDescriptor; packet: Uint8Array }[], warnings: string[] = []) {
    const clock = new VirtualClock(0);
    const metrics = new MixMetrics();
    const loops = new LoopSender({
      clock,
      rng: seededRng(7),
      geometry: g,
      metrics,
      logger: { warn: (_o: unknown, msg: string) => warnings.push(msg), info: () => {} } as never,
      selfId: self.descriptor.nodeId,
      topology: () => ({ topology, epoch: EPOCH }),
      send: (hop, packet) => (sent.push({ hop, packet }), 'sent'),
      windowMs: 1000,
      returnDeadlineMs: 5000,
      warnBelowRatio: 0.8,
    });
    loops.configure(2, 10, 1000);
    return { clock, metrics, loops };
  }

  for (const layer of [1, 2, 3]) {
    it(`sends a layer-${layer} mix's loop through every other layer and back to itself`, () => {
      const self = consensus.layers[layer - 1][0];
      const sent: { hop: SignedDescriptor; packet: Uint8Array }[] = [];
      const { loops } = sender(self, sent);
      assert.equal(loops.sendOne(), true);
      assert.equal(sent.length, 1);
      let hopId = sent[0].hop.descriptor.nodeId;
      let packet = sent[0].packet;
      const visited: number[] = [];
      for (;;) {
        visited.push(topology.layerOf(hopId)!);
        const r = unwrapPacket(g, keyOf(hopId), packet);
        if (r.nextHop === null) {
          assert.deepEqual(hopId, self.descriptor.nodeId);
          assert.equal(loops.onTerminal(r.recipient), true);
          assert.equal(loops.onTerminal(r.recipient), false);
          break;
        }
        hopId = r.nextHop;
        packet = r.packet!;
      }
      assert.deepEqual(visited, [1, 2, 3].map((i) => ((layer + i - 1) % 3) + 1));
    });
  }

  it('exports the return ratio per window and warns when loops stop coming back', async () => {
    const sent: { hop: SignedDescriptor; packet: Uint8Array }[] = [];
    const warnings: string[] = [];
    const { clock, metrics, loops } = sender(consensus.layers[0][0], sent, warnings);
    loops.start();
    clock.runUntil(20_000);
    loops.stop();
    assert.ok(sent.length > 10, 'λM = 2/s over 20 s');
    const text = await metrics.render();
    assert.match(text, /strata_mix_loop_return_ratio 0\n/);
    assert.match(text, new RegExp(`strata_mix_loops_sent_total ${sent.length}\\n`));
    assert.ok(warnings.some((w) => /not coming back/.test(w)));
  });

  it('sends nothing while the node has no layer in the consensus', () => {
    const sent: { hop: SignedDescriptor; packet: Uint8Array }[] = [];
    const { loops } = sender(consensus.providers[0], sent);
    assert.equal(loops.sendOne(), false);
    assert.equal(sent.length, 0);
  });
});
