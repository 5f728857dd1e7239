// System test, multi-host variant: every daemon of a testnet runs in its own network namespace with
// its own address, joined by veth pairs to a bridge in a hub namespace; this process reaches them
// through one more veth pair. Every namespace and veth is created here and deleted afterwards,
// even on failure; traffic goes only to 169.254.77.0/24 addresses on those veths. Skips (with the
// reason) where `ip netns` is not permitted (not root, no iproute2, no CAP_NET_ADMIN).
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Client, type DeliveredMessage } from '@strata/client-lib';
import { DEMO_PASSPHRASE, DEMO_SCRYPT, readManifest, type Manifest } from '@strata/cli';
import { SystemHarness, waitFor } from './harness.js';

const SUBNET = '169.254.77';
const HOST_ADDRESS = `${SUBNET}.1`;
const EPOCH_MS = 5000;
const NODES = ['authority-0', 'authority-1', 'authority-2', 'mix-0', 'mix-1', 'mix-2', 'provider-0', 'provider-1'];

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
}

/** Namespaces and links made by this test (deleted in reverse order by cleanup). */
class NetnsLab {
  readonly tag = `st${process.pid % 100_000}`;
  readonly namespaces: string[] = [];
  readonly rootLinks: string[] = [];

  /** Why namespaces cannot be made here, or undefined when they can. */
  unavailable(): string | undefined {
    if (process.platform !== 'linux') return `not Linux (${process.platform})`;
    const probe = `${this.tag}-probe`;
    try {
      ip('netns', 'add', probe);
    } catch (err) {
      const e = err as { code?: string; stderr?: Buffer };
      return e.code === 'ENOENT' ? 'the ip command (iproute2) is not installed' : `ip netns add is not permitted: ${e.stderr?.toString().trim() || (err as Error).message}`;
    }
    ip('netns', 'delete', probe);
    return undefined;
  }

  addNamespace(name: string): string {
    ip('netns', 'add', name);
    this.namespaces.push(name);
    ip('-n', name, 'link', 'set', 'lo', 'up');
    return name;
  }

  /** Hub namespace with bridge br0, plus the host's own leg (HOST_ADDRESS) into it. */
  build(): Record<string, { host: string; netns: string }> {
    const hub = this.addNamespace(`${this.tag}-hub`);
    ip('-n', hub, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', hub, 'link', 'set', 'br0', 'up');
    const root = `${this.tag}r`;
    ip('link', 'add', root, 'type', 'veth', 'peer', 'name', `${this.tag}rh`);
    this.rootLinks.push(root);
    ip('link', 'set', `${this.tag}rh`, 'netns', hub);
    ip('-n', hub, 'link', 'set', `${this.tag}rh`, 'master', 'br0', 'up');
    ip('addr', 'add', `${HOST_ADDRESS}/24`, 'dev', root);
    ip('link', 'set', root, 'up');
    const placement: Record<string, { host: string; netns: string }> = {};
    NODES.forEach((name, i) => {
      const ns = this.addNamespace(`${this.tag}-n${i}`);
      const inNode = `${this.tag}n${i}`;
      const inHub = `${this.tag}h${i}`;
      ip('link', 'add', inHub, 'type', 'veth', 'peer', 'name', inNode);
      this.rootLinks.push(inHub); // until moved; deleting a moved link fails harmlessly
      ip('link', 'set', inHub, 'netns', hub);
      ip('link', 'set', inNode, 'netns', ns);
      ip('-n', hub, 'link', 'set', inHub, 'master', 'br0', 'up');
      const host = `${SUBNET}.${10 + i}`;
      ip('-n', ns, 'addr', 'add', `${host}/24`, 'dev', inNode);
      ip('-n', ns, 'link', 'set', inNode, 'up');
      placement[name] = { host, netns: ns };
    });
    return placement;
  }

  cleanup(): void {
    for (const ns of this.namespaces.reverse()) {
      try {
        ip('netns', 'delete', ns); // deletes the veth ends inside it (and so their peers)
      } catch {
        /* already gone */
      }
    }
    for (const link of this.rootLinks) {
      try {
        ip('link', 'delete', link);
      } catch {
        /* moved into a namespace, or gone with its peer */
      }
    }
    this.namespaces.length = 0;
    this.rootLinks.length = 0;
  }
}

describe('a testnet with every node in its own network namespace (system, multi-host)', function () {
  this.timeout(150_000);
  const h = new SystemHarness();
  const lab = new NetnsLab();
  const clients: Client[] = [];
  let m: Manifest;
  let placement: Record<string, { host: string; netns: string }>;

  before(function () {
    const why = lab.unavailable();
    if (why !== undefined) {
      console.log(`      skipping the multi-host system test: ${why}`);
      this.skip();
    }
    placement = lab.build();
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    try {
      await h.cleanup();
    } finally {
      lab.cleanup();
    }
  });

  it('publishes a consensus with every daemon in its namespace on its own address', async () => {
    const base = h.tempDir('multi-host');
    const dir = join(base, 'net');
    h.ownTestnet(dir);
    const configFile = h.writeJson(base, 'testnet.json', {
      mode: 'fast',
      epoch: { lengthMs: EPOCH_MS },
      mixLayers: 3,
      mixesPerLayer: 1,
      providers: 2,
      clients: 0,
      wait: 'consensus',
      logLevel: 'warn',
      placement,
    });
    const r = await h.strataDone(['testnet', 'up', '--dir', dir, '--config', configFile]);
    assert.equal(r.code, 0, `up failed:\n${r.stdout}\n${r.stderr}`);
    m = readManifest(dir);
    assert.ok(m.consensus !== null);
    for (const n of m.nodes) {
      const place = placement[n.name];
      assert.ok(place !== undefined, `${n.name} is placed`);
      for (const a of Object.values(n.addresses)) assert.ok(new URL(a).hostname === place.host, `${n.name} listens on ${place.host}: ${a}`);
      // The daemon's network namespace is the one made for it.
      assert.equal(statSync(`/proc/${n.pid}/ns/net`).ino, statSync(`/run/netns/${place.netns}`).ino, `${n.name} runs in ${place.netns}`);
    }
  });

  it('delivers a message between clients of the two providers across the namespaces', async () => {
    const inbox: DeliveredMessage[] = [];
    const open = async (p: number): Promise<Client> => {
      const c = await Client.bootstrap(m.providers[p].apiUrl, { dataDir: h.tempDir(`mh-client-${p}`), passphrase: DEMO_PASSPHRASE, scrypt: DEMO_SCRYPT, pollIntervalMs: 300 });
      clients.push(c);
      return c;
    };
    const a = await open(0);
    const b = await open(1);
    b.on('message', (msg) => inbox.push(msg));
    const bInA = (await a.contacts.add(b.address, 'b')).id;
    await b.contacts.add(a.address, 'a');
    await a.registerAliases();
    await b.registerAliases();
    const id = await a.send(bInA, 'across namespaces');
    await waitFor('the message to cross the namespaces', () => inbox.length >= 1, { timeoutMs: 60_000 });
    assert.equal(Buffer.from(inbox[0].body).toString('utf8'), 'across namespaces');
    await waitFor('the SURB-ACK to come back', () => a.status(id)?.state === 'stored', { timeoutMs: 60_000 });
  });
});
