// `strata testnet down`: SIGTERM every daemon of DIR/testnet.json (mixes first, so nothing is
// sent to a stopped provider; authorities last), SIGKILL after the bound; state "stopped".
import { resolve } from 'node:path';
import { stopDaemon } from './daemon-process.js';
import { readManifest, writeManifest, type ManifestNode } from './manifest.js';

export const DEFAULT_STOP_TIMEOUT_MS = 10_000;

export interface DownResult {
  name: string;
  result: 'not-running' | 'terminated' | 'killed';
}

export async function testnetDown(dirIn: string, stopTimeoutMs = DEFAULT_STOP_TIMEOUT_MS): Promise<DownResult[]> {
  const dir = resolve(dirIn);
  const m = readManifest(dir);
  const out: DownResult[] = [];
  const stopAll = async (nodes: ManifestNode[]): Promise<void> => {
    const rs = await Promise.all(nodes.map(async (n) => ({ name: n.name, result: n.pid === null ? ('not-running' as const) : await stopDaemon(n.pid, n.configFile, stopTimeoutMs) })));
    out.push(...rs);
  };
  await stopAll(m.nodes.filter((n) => n.role === 'mix'));
  await stopAll(m.nodes.filter((n) => n.role === 'provider'));
  await stopAll(m.nodes.filter((n) => n.role === 'authority'));
  for (const n of m.nodes) n.pid = null;
  m.state = 'stopped';
  writeManifest(dir, m);
  return out;
}
