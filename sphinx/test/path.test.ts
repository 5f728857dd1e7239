import { strict as assert } from 'node:assert';
import { createPacket, DEFAULT_GEOMETRY, Geometry, type Command, type PathHop } from '../src/index.js';
import { makeNodes, makePath, seededRandom } from './helpers.js';

const payload = new Uint8Array(DEFAULT_GEOMETRY.forwardPayloadLength);
const r = seededRandom(31);
const nodes = makeNodes(6, r);

function expectPathError(path: unknown, at: string, g: Geometry = DEFAULT_GEOMETRY): void {
  assert.throws(() => createPacket(g, path as PathHop[], new Uint8Array(g.forwardPayloadLength)), (e: Error & { path?: string }) => {
    return e.name === 'SphinxArgumentError' && e.path === at;
  });
}

describe('path validation', () => {
  it('refuses an empty path and a path longer than the geometry', () => {
    expectPathError([], 'path');
    expectPathError(makePath(nodes, r), 'path');
  });
  it('refuses ids and public keys of the wrong length', () => {
    const p = makePath(nodes.slice(0, 2), r);
    expectPathError([{ ...p[0], id: new Uint8Array(31) }, p[1]], 'path[0].id');
    expectPathError([p[0], { ...p[1], publicKey: new Uint8Array(33) }], 'path[1].publicKey');
  });
  it('refuses a nextNodeHop command, which packet creation adds itself', () => {
    const p = makePath(nodes.slice(0, 2), r);
    const next: Command = { type: 'nextNodeHop', id: new Uint8Array(32), mac: new Uint8Array(32) };
    expectPathError([{ ...p[0], commands: [next] }, p[1]], 'path[0].commands');
  });
  it('refuses two commands of the same type at one hop', () => {
    const p = makePath(nodes.slice(0, 1), r);
    expectPathError([{ ...p[0], commands: [...p[0].commands, ...p[0].commands] }], 'path[0].commands');
  });
  it('refuses commands that leave no room for nextNodeHop on a forward hop', () => {
    const p = makePath(nodes.slice(0, 2), r);
    expectPathError([{ ...p[0], commands: [{ type: 'recipient', id: new Uint8Array(32) }] }, p[1]], 'path[0].commands');
  });
  it('accepts the largest terminal command set (recipient, surbReply, nodeDelay) in NIKE and KEM', () => {
    const p = makePath(nodes.slice(0, 1), r, true);
    const cmds: Command[] = [...p[0].commands, { type: 'nodeDelay', delayMs: 5 }];
    createPacket(DEFAULT_GEOMETRY, [{ ...p[0], commands: cmds }], payload);
    const kem = Geometry.kem({ nrHops: 5, userForwardPayloadLength: 10 });
    createPacket(kem, [{ ...p[0], commands: cmds }], new Uint8Array(kem.forwardPayloadLength));
  });
  it('refuses a path that is not an array of objects', () => {
    expectPathError('nope', 'path');
    expectPathError([null], 'path[0]');
  });
});
