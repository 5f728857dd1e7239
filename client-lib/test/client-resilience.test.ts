// Issue 6 §9 on one fast real network (authority fixture, four mix processes, the provider binary):
// a file across the recipient's offline period, and a mix that dies and stays dead being avoided.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readKeyFile } from '@strata/core/key-file';
import { Client } from '../src/client.js';
import { bytesToHex } from '../src/bytes.js';
import { nodeIdOfIdentityKey } from '../src/provider-http.js';
import { seededBytes } from './helpers.js';
import { clientOptions, exchangeAcrossOfflinePeriod, useResilienceNetwork } from './offline-exchange.js';
import { finalState, waitFor } from './client-waits.js';

describe('Client resilience (real authority, provider and mix processes; λP 50/s)', function () {
  this.timeout(90_000);
  const network = useResilienceNetwork();

  it('stores a 256 KiB file while the recipient is offline and delivers it intact exactly once when it is back (5 MB: soak/offline-5mb.soak.ts)', async () => {
    await exchangeAcrossOfflinePeriod(network.net, network.dir, 256 * 1024, 60_000);
  });

  it('stops choosing paths through a mix that died and stays dead, and blames no working mix', async function () {
    this.timeout(150_000);
    const { net, dir } = network;
    // Of four mixes in three layers one layer holds two: kill one of those (SIGKILL, no goodbye).
    const layers = net.mixes.map((m) => net.layerOf(m));
    const i = layers.findIndex((l) => layers.filter((x) => x === l).length === 2);
    const victim = net.mixes[i];
    const victimId = bytesToHex(nodeIdOfIdentityKey(readKeyFile(join(dir, `mix${i}`, 'identity.key'), 'ed25519-identity').publicKey));
    // Generous ACK timeouts (~9 s): a loss should mean a lost packet, not a loaded test machine.
    const opts = (name: string) => ({ ...clientOptions(dir, name), retry: { meanHopDelayMs: 50, constantMs: 8000, backoff: 1.2, maxAttempts: 12 } });
    const providerNodeId = nodeIdOfIdentityKey(net.provider.identityKey);
    let debug: ReturnType<typeof setInterval> | undefined;
    const [carol, dave] = await Promise.all([Client.bootstrap(net.provider.url, { ...opts('carol'), providerNodeId }), Client.bootstrap(net.provider.url, { ...opts('dave'), providerNodeId })]);
    try {
      const { contact: daveAtCarol } = await carol.addContact(dave.address, 'dave');
      await dave.addContact(carol.address, 'carol');
      await waitFor('carol sending', () => carol.sending && carol.connected, 30_000);
      victim.kill();
      await waitFor('the mix to exit', () => !victim.alive);
      // 37 fragments: about three in four cross the dead mix on the way out or back and are lost.
      const first = await carol.send(daveAtCarol.id, seededBytes(64 * 1024, 3));
      const t0 = Date.now();
      if (process.env.STRATA_DEBUG) debug = setInterval(() => console.log(Date.now() - t0, carol.status(first)?.acked, carol.stats.polls, carol.stats.loopsReturned, carol.stats.acks, carol.stats.dropped, carol.avoidedMixes.map((m) => m.slice(0, 6)), victimId.slice(0, 6)), 2000);
      // Losses are blamed on the dead mix; the working ones are cleared by every packet that returns.
      await waitFor('only the dead mix avoided', () => carol.avoidedMixes.length === 1 && carol.avoidedMixes[0] === victimId, 60_000, 50);
      // From now on no path crosses it (forward or ACK route), retransmissions and loops included.
      let routed = 0;
      let throughVictim = 0;
      const onWire = (w: { mixes: readonly Uint8Array[] }): void => {
        if (w.mixes.length > 0) routed++;
        if (w.mixes.some((m) => bytesToHex(m) === victimId)) throughVictim++;
      };
      carol.on('wire', onWire);
      try {
        const second = await carol.send(daveAtCarol.id, seededBytes(32 * 1024, 4));
        assert.equal((await finalState(carol, first)).state, 'stored');
        assert.equal((await finalState(carol, second)).state, 'stored');
      } finally {
        carol.off('wire', onWire);
      }
      assert.ok(routed >= 19, `${routed} packets with routes`);
      assert.equal(throughVictim, 0);
      assert.ok(carol.avoidedMixes.includes(victimId));
    } finally {
      clearInterval(debug);
      await carol.close();
      await dave.close();
    }
  });
});
