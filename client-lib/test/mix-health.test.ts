import assert from 'node:assert/strict';
import { MixHealth } from '../src/mix-health.js';
import { PacketFactory, type RouteNode, type RoutingView } from '../src/packets.js';
import { DEFAULT_GEOMETRY, generateNodeKeyPair } from 'sphinx-packet-ts';
import { seededRng } from '@strata/core/sched/index';

const node = (n: number): RouteNode => ({ id: new Uint8Array(32).fill(n), sphinxKey: new Uint8Array(32).fill(100 + n) });
const hex = (n: number): string => Buffer.from(new Uint8Array(32).fill(n)).toString('hex');
const [home, a, b, c, d] = [node(1), node(2), node(3), node(4), node(5)];
// Layers: {a}, {b}, {c, d}.
const view: RoutingView = Object.freeze({ epoch: 7, home, providers: [home], layers: [[a], [b], [c, d]], muPerMs: 0.02, maxDelayMs: 1000 });
const route = (...n: RouteNode[]): Uint8Array[] => n.map((x) => x.id);

describe('MixHealth', () => {
  it('avoids a mix after the given number of losses blamed on it, and leaves it out of its layer', () => {
    const h = new MixHealth({ lossesBeforeAvoiding: 3 });
    assert.equal(h.lost(route(a, b, d)), false);
    assert.equal(h.lost(route(a, b, d)), false);
    assert.equal(h.lost(route(a, b, d)), true);
    assert.ok(h.avoided.includes(hex(5)));
    const filtered = h.filter(view);
    assert.deepEqual(filtered.layers[2], [c]);
    // a and b were blamed too (nothing told them apart), but a layer is never emptied.
    assert.deepEqual(filtered.layers[0], [a]);
    assert.deepEqual(filtered.layers[1], [b]);
  });

  it('blames a loss on the mix with the longest streak, so working mixes on the same routes are not avoided', () => {
    const h = new MixHealth({ lossesBeforeAvoiding: 4 });
    // d dies: every route through d loses, routes through c come back (and clear a, b and c).
    for (let i = 0; i < 3; i++) {
      h.lost(route(a, b, d));
      h.acked(route(a, b, c));
    }
    h.lost(route(a, b, d));
    assert.deepEqual(h.avoided, [hex(5)]);
  });

  it('keeps the mixes with the shortest streak in a layer whose every mix is avoided', () => {
    const h = new MixHealth({ lossesBeforeAvoiding: 2 });
    // Both mixes of the last layer are avoided (a stall), but d has lost more since its last ACK.
    h.lost(route(c));
    h.lost(route(c));
    for (let i = 0; i < 3; i++) h.lost(route(d));
    assert.ok(h.avoided.includes(hex(4)) && h.avoided.includes(hex(5)));
    assert.deepEqual(h.filter(view).layers[2], [c]);
  });

  it('takes a mix back once a packet through it is acknowledged', () => {
    const h = new MixHealth({ lossesBeforeAvoiding: 1 });
    h.lost(route(d));
    const v = h.version;
    assert.deepEqual(h.avoided, [hex(5)]);
    h.acked(route(d));
    assert.deepEqual(h.avoided, []);
    assert.notEqual(h.version, v);
    assert.equal(h.filter(view), view);
  });

  it('forgets everything at a new epoch (reset)', () => {
    const h = new MixHealth({ lossesBeforeAvoiding: 1 });
    h.lost(route(c));
    h.reset();
    assert.deepEqual(h.avoided, []);
    assert.equal(h.lost(route(c)), true); // streaks start again from zero
  });

  it('refuses a threshold that is not a positive integer', () => {
    assert.throws(() => new MixHealth({ lossesBeforeAvoiding: 0 }), { name: 'InvalidArgumentError' });
  });

  it('gets the mixes of both routes of every packet from the packet factory (forward L1-L3, then ACK L1-L3)', () => {
    const real = (n: number): RouteNode => ({ id: new Uint8Array(32).fill(n), sphinxKey: generateNodeKeyPair().publicKey });
    const layers = [[real(11), real(12)], [real(21), real(22)], [real(31), real(32)]];
    const own = real(1);
    const f = new PacketFactory(Object.freeze({ epoch: 1, home: own, providers: [own], layers, muPerMs: 0.02, maxDelayMs: 1000 }), { geometry: DEFAULT_GEOMETRY, rng: seededRng(9) });
    const built = f.build(own, new Uint8Array(32), new Uint8Array(f.bodyBytes), new Uint8Array(32), new Uint8Array(16));
    assert.equal(built.mixes.length, 6);
    built.mixes.forEach((id, i) => assert.ok(layers[i % 3].some((n) => n.id === id), `mix ${i} is from layer ${(i % 3) + 1}`));
  });
});
