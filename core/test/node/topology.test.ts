import assert from 'node:assert/strict';
import type { Consensus } from '../../src/consensus.js';
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
});
