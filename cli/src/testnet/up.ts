// `strata testnet up`: plan (or reuse) DIR, start authorities → providers → mixes as detached
// processes, wait until each answers, then (wait stage "consensus") until every authority serves
// the same threshold-signed document and every mix reports its layer in it. DIR/testnet.json is
// rewritten at each step so that `down` can always clean up.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fromHex, toHex, verifyConsensus, decodeSignedConsensusJson } from '@strata/core';
import type { TestnetConfig } from './config.js';
import { isOurDaemon, logTail, spawnDaemon, stopDaemon, type DaemonPackage, type SpawnedDaemon } from './daemon-process.js';
import { TestnetError } from './errors.js';
import { manifestPath, readManifest, writeManifest, type Manifest, type ManifestNode, type NodeRole } from './manifest.js';
import { planTestnet, writeAuthorityConfigs } from './plan.js';
import { getJson, getPinnedJson } from './probe.js';
import { waitFor } from './wait.js';

const PACKAGE_OF: Record<NodeRole, DaemonPackage> = {
  authority: '@strata/directory',
  mix: '@strata/mix-node',
  provider: '@strata/provider',
};

export interface UpOptions {
  /** Progress lines for a human (default: none). */
  onProgress?: (line: string) => void;
  /** Overrides config.wait. */
  wait?: TestnetConfig['wait'];
}

/** The provider's identity key (hex) from its /.well-known/strata document (hex or base64). */
export function identityKeyOf(wellKnown: unknown): string | undefined {
  const k = (wellKnown as { provider?: { identityKey?: unknown } } | undefined)?.provider?.identityKey;
  if (typeof k !== 'string') return undefined;
  if (/^[0-9a-f]{64}$/.test(k)) return k;
  if (/^[A-Za-z0-9+/]{43}=$/.test(k)) return toHex(Buffer.from(k, 'base64'));
  return undefined;
}

/** Names of the manifest's daemons that are running now. */
export function runningNodes(m: Manifest): string[] {
  return m.nodes.filter((n) => n.pid !== null && isOurDaemon(n.pid, n.configFile)).map((n) => n.name);
}

export async function testnetUp(dirIn: string, config: TestnetConfig, options: UpOptions = {}): Promise<Manifest> {
  const dir = resolve(dirIn);
  const say = options.onProgress ?? (() => {});
  let m: Manifest;
  if (existsSync(manifestPath(dir))) {
    m = readManifest(dir);
    const running = runningNodes(m);
    if (running.length > 0) throw new TestnetError('running', `a testnet is already running in ${dir} (${running.join(', ')}); run \`strata testnet down --dir ${dir}\` first`);
    say(`restarting the testnet planned in ${dir} (same keys and ports)`);
    m.state = 'starting';
    m.error = null;
    m.consensus = null;
    for (const n of m.nodes) n.pid = null;
  } else {
    say(`generating keys and configs in ${dir}`);
    m = await planTestnet(dir, config);
  }
  writeManifest(dir, m);

  const spawned = new Map<string, SpawnedDaemon>();
  const abort = (): void => {
    for (const [name, d] of spawned) {
      if (d.exit) {
        const n = m.nodes.find((x) => x.name === name)!;
        throw new TestnetError('daemon-exited', `${name} exited (code ${d.exit.code}, signal ${d.exit.signal}) during start; ${n.logFile}:\n${logTail(n.logFile)}`);
      }
    }
  };
  const start = (n: ManifestNode): void => {
    const d = spawnDaemon(PACKAGE_OF[n.role], n.configFile, n.logFile, n.netns ?? null);
    spawned.set(n.name, d);
    n.pid = d.pid;
  };
  const timeoutMs = config.timeouts.startMs;
  const ofRole = (role: NodeRole): ManifestNode[] => m.nodes.filter((n) => n.role === role);

  try {
    // 1. Authorities, with allow lists naming every mix and provider (their keys are made by the plan).
    writeAuthorityConfigs(m, config);
    const authorities = ofRole('authority');
    authorities.forEach(start);
    writeManifest(dir, m);
    say(`started ${authorities.length} directory authorit${authorities.length === 1 ? 'y' : 'ies'}; waiting for /healthz`);
    await Promise.all(authorities.map((n) => waitFor(`${n.name} /healthz`, async () => (await getJson(n.healthUrl!)).status === 200, { timeoutMs, abort })));

    // 2. Providers: their client API, then their place in the mixnet (descriptor uploads).
    const providers = ofRole('provider');
    providers.forEach(start);
    writeManifest(dir, m);
    if (providers.length > 0) say(`started ${providers.length} provider(s); waiting for their APIs`);
    await Promise.all(
      providers.map(async (n) => {
        const entry = m.providers.find((p) => p.name === n.name)!;
        const wk = await waitFor(
          `${n.name} to serve /.well-known/strata`,
          async () => {
            if (!existsSync(entry.certFile)) return undefined;
            const r = await getPinnedJson(`${entry.apiUrl}/.well-known/strata`, entry.certFile);
            return r.status === 200 ? r.body : undefined;
          },
          { timeoutMs, abort },
        );
        const key = identityKeyOf(wk);
        if (key === undefined) throw new TestnetError('daemon-exited', `${n.name}: /.well-known/strata carries no 32-byte identity key`);
        if (n.identityKey !== null && key !== n.identityKey) throw new TestnetError('daemon-exited', `${n.name}: serves identity key ${key}, the plan made ${n.identityKey}`);
        n.identityKey = key;
        entry.identityKey = key;
        await waitFor(`${n.name} to serve /metrics`, async () => (await getJson(n.metricsUrl)).status === 200, { timeoutMs, abort });
      }),
    );

    // 3. Mixes: their ops listener answers /healthz (503 until they know their layer).
    const mixes = ofRole('mix');
    mixes.forEach(start);
    writeManifest(dir, m);
    if (mixes.length > 0) say(`started ${mixes.length} mix node(s); waiting for /healthz`);
    await Promise.all(mixes.map((n) => waitFor(`${n.name} /healthz`, async () => [200, 503].includes((await getJson(n.healthUrl!)).status), { timeoutMs, abort })));
    say('every daemon answers');

    if ((options.wait ?? config.wait) === 'consensus') {
      say(`waiting for the first consensus (epochs of ${config.epoch.lengthMs / 1000} s; at most ${Math.round(config.timeouts.consensusMs / 1000)} s)`);
      m.consensus = await waitConsensus(m, config.timeouts.consensusMs, abort);
      say(`consensus for epoch ${m.consensus.epoch} served by every authority${mixes.length ? ' and every mix knows its layer' : ''}`);
    }
    m.state = 'ready';
    writeManifest(dir, m);
    return m;
  } catch (err) {
    m.state = 'failed';
    m.error = (err as Error).message;
    writeManifest(dir, m);
    say('start failed; stopping what was started');
    await Promise.all([...spawned.keys()].map((name) => {
      const n = m.nodes.find((x) => x.name === name)!;
      return stopDaemon(n.pid!, n.configFile, config.timeouts.stopMs);
    }));
    for (const n of m.nodes) n.pid = null;
    writeManifest(dir, m);
    throw err;
  }
}

/**
 * Waits for an epoch whose document every authority serves, identical and carrying a threshold of
 * valid authority signatures, and (if there are mixes) every mix healthy (it knows its layer).
 */
export async function waitConsensus(m: Manifest, timeoutMs: number, abort?: () => void): Promise<NonNullable<Manifest['consensus']>> {
  const keys = m.authorities.map((a) => fromHex(a.identityKey, 32));
  const authorities = m.nodes.filter((n) => n.role === 'authority');
  const mixes = m.nodes.filter((n) => n.role === 'mix');
  return waitFor(
    'every authority to serve the same signed consensus',
    async () => {
      const published = await Promise.all(
        authorities.map(async (n) => {
          const r = await getJson(n.healthUrl!);
          const e = (r.body as { lastPublishedEpoch?: unknown } | undefined)?.lastPublishedEpoch;
          return typeof e === 'number' ? e : -1;
        }),
      );
      const epoch = Math.min(...published);
      if (epoch < 0) return undefined;
      const docs = await Promise.all(
        authorities.map(async (n) => {
          const r = await getJson(`${n.addresses.http}/v1/consensus/${epoch}`);
          if (r.status !== 200) return undefined;
          // Verify as a client would: threshold of our authorities' signatures, the epoch asked for.
          verifyConsensus(r.body, keys, m.threshold, { epoch });
          const d = decodeSignedConsensusJson(r.body);
          return { sha: createHash('sha256').update(d.bytes).digest('hex'), signatures: d.signatures.length };
        }),
      );
      if (docs.some((d) => d === undefined)) return undefined;
      const shas = new Set(docs.map((d) => d!.sha));
      if (shas.size !== 1) throw new TestnetError('consensus', `authorities serve ${shas.size} different documents for epoch ${epoch}`);
      const healthy = await Promise.all(mixes.map(async (n) => (await getJson(n.healthUrl!)).status === 200));
      if (!healthy.every(Boolean)) return undefined;
      return { epoch, documentSha256: docs[0]!.sha, signatures: Math.min(...docs.map((d) => d!.signatures)) };
    },
    { timeoutMs, intervalMs: 250, ...(abort ? { abort } : {}) },
  );
}

/**
 * Starts one node of a testnet whose other daemons run (after a crash, or for an upgrade): the
 * same config, keys and ports; resolves once it answers its /metrics again. TestnetError('node')
 * when the testnet has no such node or it runs already.
 */
export async function startNode(dirIn: string, name: string, timeoutMs = 60_000): Promise<ManifestNode> {
  const dir = resolve(dirIn);
  const m = readManifest(dir);
  const n = m.nodes.find((x) => x.name === name);
  if (n === undefined) throw new TestnetError('node', `no node named ${name} in ${dir}`);
  if (n.pid !== null && isOurDaemon(n.pid, n.configFile)) throw new TestnetError('node', `${name} is running (pid ${n.pid})`);
  const d = spawnDaemon(PACKAGE_OF[n.role], n.configFile, n.logFile, n.netns ?? null);
  n.pid = d.pid;
  writeManifest(dir, m);
  const abort = (): void => {
    if (d.exit) throw new TestnetError('daemon-exited', `${name} exited (code ${d.exit.code}, signal ${d.exit.signal}) during start; ${n.logFile}:\n${logTail(n.logFile)}`);
  };
  await waitFor(`${name} to serve /metrics`, async () => (await getJson(n.metricsUrl)).status === 200, { timeoutMs, abort });
  return n;
}
