// Load generator of the flood test (a child of flood.ts): links to the mix as the provider would
// and sends createPacket packets mix → provider at a fixed rate, each stamped with its phase,
// sequence number, send time and NodeDelay so the receiver can measure loss and lateness.
import { fromHex } from '@strata/core/bytes';
import type { LinkConnection } from '@strata/core/link/connection';
import { dialLink } from '@strata/core/link/dial';
import { linkKeyPairFromPrivateKey } from '@strata/core/link/x25519';
import { seededRng } from '@strata/core/sched/rng';
import { createPacket, DEFAULT_GEOMETRY, type PathHop } from 'sphinx-packet-ts';
import { nowMs, writeStamp, type FromLoad, type LoadSetup, type ToLoad } from './flood-protocol.js';

const g = DEFAULT_GEOMETRY;
const RECIPIENT = new Uint8Array(32).fill(9);
let setup: LoadSetup | undefined;
let conn: LinkConnection<undefined> | undefined;
let reconnects = 0;

function reply(msg: FromLoad): void {
  process.send!(msg);
}

async function link(): Promise<LinkConnection<undefined>> {
  const s = setup!;
  while (conn === undefined || conn.closed) {
    try {
      conn = await dialLink({
        host: s.host, port: s.port, frameBytes: s.frameBytes,
        staticKey: linkKeyPairFromPrivateKey(fromHex(s.providerLinkPrivateKey)),
        expectedPeerKey: fromHex(s.mixLinkKey),
      });
      if (process.env.FLOOD_DEBUG) conn.once('close', (info) => process.stderr.write(`load: link closed ${JSON.stringify(info)}\n`));
    } catch (err) {
      reconnects++;
      if (process.env.FLOOD_DEBUG) process.stderr.write(`load: dial failed: ${(err as Error).message}\n`);
      await new Promise((r) => setTimeout(r, 50)); // back off, then dial again
    }
  }
  return conn;
}

async function runPhase(phase: number, seconds: number, ratePps: number): Promise<void> {
  const s = setup!;
  const rng = seededRng(s.seed + phase);
  const hops = (delayMs: number): PathHop[] => [
    { id: fromHex(s.mixNodeId), publicKey: fromHex(s.mixSphinxKey), commands: [{ type: 'nodeDelay', delayMs }] },
    { id: fromHex(s.providerNodeId), publicKey: fromHex(s.providerSphinxKey), commands: [{ type: 'recipient', id: RECIPIENT }] },
  ];
  const start = performance.now();
  const total = Math.round(seconds * ratePps);
  const intervalMs = 1000 / ratePps;
  let sent = 0;
  let sendFailures = 0;
  while (sent < total) {
    // Send every packet whose slot has come (catching up after a late timer), then yield.
    const due = Math.min(total, Math.floor((performance.now() - start) / intervalMs) + 1);
    const c = await link();
    while (sent < due) {
      const delayMs = Math.min(s.maxDelayMs, Math.round(rng.exponential(1 / s.meanDelayMs)));
      const payload = new Uint8Array(g.forwardPayloadLength);
      writeStamp(payload, phase, sent, nowMs(), delayMs);
      const packet = createPacket(g, hops(delayMs), payload);
      c.send({ kind: 'SendPacket', packet }).catch(() => sendFailures++);
      sent++;
    }
    const next = start + sent * intervalMs - performance.now();
    await new Promise((r) => setTimeout(r, Math.max(0, next)));
  }
  const elapsedS = (performance.now() - start) / 1000;
  reply({ kind: 'phaseDone', phase, sent, sendFailures, reconnects, achievedPps: Math.round(sent / elapsedS) });
}

process.on('message', (raw) => {
  const msg = raw as ToLoad;
  if (msg.kind === 'setup') {
    setup = msg.setup;
    void link().then(() => reply({ kind: 'ready' }));
  } else if (msg.kind === 'phase') {
    void runPhase(msg.phase, msg.seconds, msg.ratePps);
  } else {
    conn?.close();
    process.disconnect();
  }
});
