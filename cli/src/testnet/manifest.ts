// DIR/testnet.json: what a running testnet consists of and where to reach it. Written by `up`
// (state "starting" as soon as the plan exists, "ready" once the wait stage is met), read by
// `status` and `down`. Format documented in cli/README.md.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestnetError } from './errors.js';

export const MANIFEST_FILE = 'testnet.json';
export const MANIFEST_VERSION = 1;

export type NodeRole = 'authority' | 'mix' | 'provider';
export type TestnetState = 'starting' | 'ready' | 'failed' | 'stopped';

export interface ManifestNode {
  name: string;
  role: NodeRole;
  /** Identity key (hex); a provider's is known once it has started (it makes its own keys). */
  identityKey: string | null;
  pid: number | null;
  configFile: string;
  logFile: string;
  dataDir: string;
  /** Network namespace the daemon runs in (`ip netns exec`), null/absent: the caller's. */
  netns?: string | null;
  /** Listen addresses: authority `http`; mix `link` (tcp://), `ops` (http); provider `api` (https), `admin` (http). */
  addresses: Record<string, string>;
  /** GET /metrics (Prometheus text). */
  metricsUrl: string;
  /** GET /healthz, where the daemon has one. */
  healthUrl: string | null;
}

export interface ManifestProvider {
  name: string;
  /** Client HTTPS API base URL (self-signed certificate in `certFile`). */
  apiUrl: string;
  certFile: string;
  identityKey: string | null;
}

export interface Manifest {
  version: number;
  state: TestnetState;
  dir: string;
  mode: string;
  updatedAt: string;
  epoch: { lengthMs: number; genesisMs: number };
  authorities: { name: string; identityKey: string; url: string }[];
  threshold: number;
  nodes: ManifestNode[];
  providers: ManifestProvider[];
  clients: { requested: number; running: number; note: string };
  /** The first consensus every authority serves (null until then). */
  consensus: { epoch: number; documentSha256: string; signatures: number } | null;
  /** Why `up` failed (state "failed"). */
  error: string | null;
}

export function manifestPath(dir: string): string {
  return join(dir, MANIFEST_FILE);
}

/** Writes testnet.json atomically (rename), mode 0600. */
export function writeManifest(dir: string, m: Manifest): void {
  const file = manifestPath(dir);
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify({ ...m, updatedAt: new Date().toISOString() }, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, file);
}

/** Reads testnet.json; TestnetError 'not-found' or 'manifest'. */
export function readManifest(dir: string): Manifest {
  let text: string;
  try {
    text = readFileSync(manifestPath(dir), 'utf8');
  } catch {
    throw new TestnetError('not-found', `no testnet in ${dir} (${MANIFEST_FILE} missing)`);
  }
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    throw new TestnetError('manifest', `${manifestPath(dir)} is not JSON`);
  }
  const o = m as Partial<Manifest>;
  if (typeof o !== 'object' || o === null || o.version !== MANIFEST_VERSION || !Array.isArray(o.nodes) || !Array.isArray(o.authorities)) {
    throw new TestnetError('manifest', `${manifestPath(dir)} is not a version-${MANIFEST_VERSION} testnet manifest`);
  }
  for (const n of o.nodes) {
    if (typeof n?.name !== 'string' || typeof n.configFile !== 'string' || (n.pid !== null && !Number.isInteger(n.pid))) {
      throw new TestnetError('manifest', `${manifestPath(dir)}: malformed node entry`);
    }
  }
  return o as Manifest;
}
