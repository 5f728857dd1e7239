// Keys and config files of a testnet, under DIR:
//   DIR/authority-<i>/{keys/identity.key,keys/link.key,config.json,data/,daemon.log}
//   DIR/mix-<i>/{data/identity.key,data/link.key,config.json,daemon.log}   (mix keys live in its dataDir)
//   DIR/provider-<i>/{data/(identity.key,link.key,api-cert.pem,dropbox/…),config.json,daemon.log}
// Ports are picked free on `host` when the plan is made and kept for restarts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { keygen, majorityThreshold } from '@strata/core';
import { mixCount, type TestnetConfig } from './config.js';
import type { Manifest, ManifestNode } from './manifest.js';
import { MANIFEST_VERSION } from './manifest.js';
import { freePort } from '@strata/core/free-port';

/** A free TCP port on `host` (the kernel's choice; released before the daemon binds it). */

function writeJson(file: string, value: unknown): void {
  writeFileSync(file, JSON.stringify(value, null, 2) + '\n', { mode: 0o600 });
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** Ports of a node placed on its own address (config `placement`): each daemon's defaults. */
export const PLACED_PORTS = Object.freeze({ authorityHttp: 7000, mixLink: 7100, mixOps: 9465, providerApi: 8443, providerAdmin: 9464, providerLink: 7200 });

interface Place {
  /** Address to bind, and its URL form. */
  host: string;
  h: string;
  netns: string | null;
  port(placed: number): Promise<number>;
}

/** Where node `name` runs: its placement, or `host` with ports picked free. */
function placeOf(c: TestnetConfig, name: string): Place {
  const p = c.placement[name];
  if (p !== undefined) return { host: p.host, h: hostForUrl(p.host), netns: p.netns, port: async (placed) => placed };
  return { host: c.host, h: hostForUrl(c.host), netns: null, port: async () => freePort(c.host) };
}

/**
 * Generates authority and mix keys, writes mix and provider configs, and returns the manifest
 * (state "starting", no pids). Authority configs need the providers' keys: writeAuthorityConfigs.
 */
export async function planTestnet(dirIn: string, c: TestnetConfig): Promise<Manifest> {
  const dir = resolve(dirIn);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const nodes: ManifestNode[] = [];
  const authorities: Manifest['authorities'] = [];
  for (let i = 0; i < c.authorities; i++) {
    const name = `authority-${i}`;
    const base = join(dir, name);
    const keys = keygen(join(base, 'keys'));
    const at = placeOf(c, name);
    const url = `http://${at.h}:${await at.port(PLACED_PORTS.authorityHttp)}`;
    authorities.push({ name, identityKey: keys.identityKey, url });
    nodes.push({
      name,
      role: 'authority',
      identityKey: keys.identityKey,
      pid: null,
      configFile: join(base, 'config.json'),
      logFile: join(base, 'daemon.log'),
      dataDir: join(base, 'data'),
      netns: at.netns,
      addresses: { http: url },
      metricsUrl: `${url}/metrics`,
      healthUrl: `${url}/healthz`,
    });
  }
  const threshold = majorityThreshold(c.authorities);
  const directoryPeers = authorities.map((a) => ({ url: a.url, identityKey: a.identityKey }));

  for (let i = 0; i < mixCount(c); i++) {
    const name = `mix-${i}`;
    const base = join(dir, name);
    const dataDir = join(base, 'data');
    // The mix node loads identity.key / link.key from its dataDir (creating them when absent);
    // we make them first so the authorities can list the identity key.
    const keys = keygen(dataDir);
    const at = placeOf(c, name);
    const h = at.h;
    const linkPort = await at.port(PLACED_PORTS.mixLink);
    const opsPort = await at.port(PLACED_PORTS.mixOps);
    const config = {
      dataDir,
      listen: { host: at.host, port: linkPort },
      advertiseHost: at.host,
      metrics: { enabled: true, host: at.host, port: opsPort },
      directory: { authorities: directoryPeers, threshold, pollIntervalMs: c.mix.pollIntervalMs },
      epoch: { lengthMs: c.epoch.lengthMs, genesisMs: 0, graceMs: c.mix.graceMs },
      workers: { count: c.mix.workers },
      maxDelayMs: c.network.maxDelayMs,
      log: { level: c.logLevel },
    };
    const configFile = join(base, 'config.json');
    writeJson(configFile, config);
    nodes.push({
      name,
      role: 'mix',
      identityKey: keys.identityKey,
      pid: null,
      configFile,
      logFile: join(base, 'daemon.log'),
      dataDir,
      netns: at.netns,
      addresses: { link: `tcp://${h}:${linkPort}`, ops: `http://${h}:${opsPort}` },
      metricsUrl: `http://${h}:${opsPort}/metrics`,
      healthUrl: `http://${h}:${opsPort}/healthz`,
    });
  }

  const providers: Manifest['providers'] = [];
  for (let i = 0; i < c.providers; i++) {
    const name = `provider-${i}`;
    const base = join(dir, name);
    const dataDir = join(base, 'data');
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    // Like a mix, the provider loads identity.key / link.key from its dataDir; made here so that
    // the authorities' allow lists name it before it first starts.
    const keys = keygen(dataDir);
    const at = placeOf(c, name);
    const h = at.h;
    const apiPort = await at.port(PLACED_PORTS.providerApi);
    const adminPort = await at.port(PLACED_PORTS.providerAdmin);
    const linkPort = await at.port(PLACED_PORTS.providerLink);
    const apiUrl = `https://${h}:${apiPort}`;
    const config = {
      dataDir,
      name,
      api: { host: at.host, port: apiPort, publicUrl: apiUrl, tls: { hostnames: [at.host, 'localhost'] } },
      admin: { enabled: true, host: at.host, port: adminPort },
      wellKnown: {
        authorities: directoryPeers,
        network: { epochLengthMs: c.epoch.lengthMs, genesisMs: 0, threshold, ...c.network },
      },
      // Its place in the mixnet: link listener (clients and the last mix layer), directory uploads.
      mixnet: {
        listen: { host: at.host, port: linkPort },
        advertiseHost: at.host,
        directory: { authorities: directoryPeers, threshold, pollIntervalMs: c.mix.pollIntervalMs },
        epoch: { lengthMs: c.epoch.lengthMs, genesisMs: 0, graceMs: c.mix.graceMs },
        workers: { count: c.mix.workers },
        maxDelayMs: c.network.maxDelayMs,
      },
      log: { level: c.logLevel },
    };
    const configFile = join(base, 'config.json');
    writeJson(configFile, config);
    providers.push({ name, apiUrl, certFile: join(dataDir, 'api-cert.pem'), identityKey: keys.identityKey });
    nodes.push({
      name,
      role: 'provider',
      identityKey: keys.identityKey,
      pid: null,
      configFile,
      logFile: join(base, 'daemon.log'),
      dataDir,
      netns: at.netns,
      addresses: { api: apiUrl, admin: `http://${h}:${adminPort}`, link: `tcp://${h}:${linkPort}` },
      metricsUrl: `http://${h}:${adminPort}/metrics`,
      healthUrl: null,
    });
  }

  return {
    version: MANIFEST_VERSION,
    state: 'starting',
    dir,
    mode: c.mode,
    updatedAt: new Date().toISOString(),
    epoch: { lengthMs: c.epoch.lengthMs, genesisMs: 0 },
    authorities,
    threshold,
    nodes,
    providers,
    clients: {
      requested: c.clients,
      running: 0,
      note: c.clients === 0 ? 'no demo clients requested' : 'demo clients start once @strata/client-lib exports clientCommand() (not yet)',
    },
    consensus: null,
    error: null,
  };
}

/**
 * Writes every authority's config: the shared authority list, the epoch schedule (directory
 * defaults, derived from the epoch length) and the allow lists (our mixes and providers plus the
 * config's external keys). Providers without a known key are left out (they cannot upload).
 */
export function writeAuthorityConfigs(m: Manifest, c: TestnetConfig): void {
  const mixes = m.nodes.filter((n) => n.role === 'mix' && n.identityKey).map((n) => n.identityKey as string);
  const providers = m.nodes.filter((n) => n.role === 'provider' && n.identityKey).map((n) => n.identityKey as string);
  for (const n of m.nodes) {
    if (n.role !== 'authority') continue;
    const url = new URL(n.addresses.http);
    const config = {
      identityKeyFile: join(n.configFile, '..', 'keys', 'identity.key'),
      dataDir: n.dataDir,
      listen: { host: c.placement[n.name]?.host ?? c.host, port: Number(url.port) },
      epoch: { lengthMs: c.epoch.lengthMs, genesisMs: 0 },
      authorities: m.authorities.map((a) => ({ identityKey: a.identityKey, url: a.url })),
      allow: { mixes: [...new Set([...mixes, ...c.allow.mixes])], providers: [...new Set([...providers, ...c.allow.providers])] },
      network: { mixLayers: c.mixLayers, ...c.network },
      log: { level: c.logLevel },
    };
    writeJson(n.configFile, config);
  }
}
