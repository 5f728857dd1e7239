import assert from 'node:assert/strict';
import type { Consensus } from '../../src/consensus.js';
import type { SignedDescriptor } from '../../src/descriptor.js';
import { Topology } from '../../src/node/topology.js';

// Only the layer sizes matter to these rules.
const topo = new Topology({ epoch: 1, layers: [[], [], []], providers: [] } as unknown as Consensus);

describe('Topology', () => {
  it('lets providers send to layer 1 and each layer to the next', () => {
    assert.equal(topo.maySend(0, 1), true);
    assert.equal(topo.maySend(1, 2), true);
    assert.equal(topo.maySend(2, 3), true);
  });

  it('refuses a provider sending to layer 2 and a layer sending backwards', () => {
    assert.equal(topo.maySend(0, 2), false);
    assert.equal(topo.maySend(3, 2), false);
    assert.equal(topo.maySend(2, 2), false);
  });

  it('lets the last layer reach layer 1, for the loops of first-layer mixes', () => {
    assert.equal(topo.maySend(3, 1), true);
    assert.equal(topo.mayForward(3, 1), true);
  });

  it('forwards from the last layer to providers and from other layers only to the next', () => {
    assert.equal(topo.mayForward(3, 0), true);
    assert.equal(topo.mayForward(1, 2), true);
    assert.equal(topo.mayForward(1, 0), false);
    assert.equal(topo.mayForward(1, 3), false);
  });

  describe('nextHopsOf', () => {
    // Topology reads only nodeId and linkKey of each descriptor.
    const node = (id: number): SignedDescriptor => ({ descriptor: { nodeId: new Uint8Array(32).fill(id), linkKey: new Uint8Array(32).fill(id + 100) } }) as unknown as SignedDescriptor;
    const [p1, p2, a1, a2, b1, c1] = [1, 2, 11, 12, 21, 31].map(node);
    const t = new Topology({ epoch: 5, providers: [p1, p2], layers: [[a1, a2], [b1], [c1]] } as unknown as Consensus);
    const ids = (ds: SignedDescriptor[]): number[] => ds.map((d) => d.descriptor.nodeId[0]).sort((x, y) => x - y);

    it('lists layer 1 for a provider and the next layer for a middle mix', () => {
      assert.deepEqual(ids(t.nextHopsOf(p1.descriptor.nodeId)), [11, 12]);
      assert.deepEqual(ids(t.nextHopsOf(a2.descriptor.nodeId)), [21]);
    });

    it('lists the providers and layer 1 for a last-layer mix', () => {
      assert.deepEqual(ids(t.nextHopsOf(c1.descriptor.nodeId)), [1, 2, 11, 12]);
    });

    it('lists nothing for a node the consensus does not name', () => {
      assert.deepEqual(t.nextHopsOf(new Uint8Array(32).fill(99)), []);
    });
  });
});
