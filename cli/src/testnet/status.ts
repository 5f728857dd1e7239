// `strata testnet status`: testnet.json + every daemon's /healthz and /metrics, as a table or JSON.
import { resolve } from 'node:path';
import { isOurDaemon } from './daemon-process.js';
import { readManifest, type Manifest, type NodeRole } from './manifest.js';
import { getJson, getText, parsePrometheusText, sumSamples, type Sample } from './probe.js';

export interface NodeStatus {
  name: string;
  role: NodeRole;
  pid: number | null;
  running: boolean;
  /** /healthz answered 200 (mix: knows its layer), or /metrics answered for daemons without /healthz. */
  healthy: boolean;
  /** Short health detail: epoch, layer, phase. */
  detail: string;
  metricsUrl: string;
  metrics: Record<string, number>;
}

export interface TestnetStatus {
  dir: string;
  state: Manifest['state'];
  epoch: number | null;
  lastPublishedEpoch: number | null;
  nodesUp: number;
  nodesTotal: number;
  /** Packets the mixes forwarded (real and client cover alike: a mix cannot tell them apart). */
  packetsMixed: number;
  /** Mix loop cover packets sent and returned. */
  mixLoopsSent: number;
  mixLoopsReturned: number;
  packetsDropped: number;
  /** Messages committed durably to a dropbox at the providers. */
  messagesStored: number;
  /** Messages acknowledged by their recipients (removed from dropboxes). */
  messagesDelivered: number;
  clients: Manifest['clients'];
  /** Demo-client messages sent and received end to end (null outside `strata testnet run`). */
  messagesSent: number | null;
  messagesReceived: number | null;
  /** End-to-end latency of the demo clients' messages (null outside `strata testnet run`). */
  p50LatencyMs: number | null;
  nodes: NodeStatus[];
}

const PICK: Record<NodeRole, string[]> = {
  authority: ['strata_directory_documents_total', 'strata_directory_uploads_total', 'strata_directory_rejected_total'],
  mix: ['strata_mix_packets_in_total', 'strata_mix_packets_out_total', 'strata_mix_packets_dropped_total', 'strata_mix_loops_sent_total', 'strata_mix_loops_returned_total', 'strata_mix_unwrap_failures_total'],
  provider: ['strata_provider_stored_total', 'strata_provider_delivered_total', 'strata_provider_polls_total'],
};

async function probeNode(n: Manifest['nodes'][number]): Promise<{ status: NodeStatus; samples: Sample[] }> {
  const running = n.pid !== null && isOurDaemon(n.pid, n.configFile);
  let healthy = false;
  let detail = running ? '' : 'not running';
  let samples: Sample[] = [];
  if (running) {
    try {
      const r = await getText(n.metricsUrl);
      if (r.status === 200) samples = parsePrometheusText(r.text);
      if (n.healthUrl === null) healthy = r.status === 200;
    } catch {
      detail = 'metrics unreachable';
    }
    if (n.healthUrl !== null) {
      try {
        const h = await getJson(n.healthUrl);
        const b = (h.body ?? {}) as Record<string, unknown>;
        healthy = h.status === 200;
        if (n.role === 'authority') detail = `epoch ${String(b.epoch)} phase ${String(b.phase)} published ${String(b.lastPublishedEpoch)}`;
        else if (n.role === 'mix') detail = b.layer === null || b.layer === undefined ? `epoch ${String(b.epoch)}, not in consensus` : `epoch ${String(b.epoch)} layer ${String(b.layer)}`;
      } catch {
        detail = 'healthz unreachable';
      }
    } else if (healthy) detail = 'up (not in the directory yet)';
  }
  const metrics: Record<string, number> = {};
  for (const name of PICK[n.role]) metrics[name] = sumSamples(samples, name);
  return { status: { name: n.name, role: n.role, pid: n.pid, running, healthy, detail, metricsUrl: n.metricsUrl, metrics }, samples };
}

export async function testnetStatus(dirIn: string): Promise<TestnetStatus> {
  const dir = resolve(dirIn);
  const m = readManifest(dir);
  const probed = await Promise.all(m.nodes.map(probeNode));
  const all = (role: NodeRole): Sample[] => probed.filter((p) => p.status.role === role).flatMap((p) => p.samples);
  const mixSamples = all('mix');
  const providerSamples = all('provider');
  let epoch: number | null = null;
  let lastPublished: number | null = null;
  for (const a of m.nodes.filter((n) => n.role === 'authority')) {
    try {
      const h = await getJson(a.healthUrl!);
      const b = h.body as { epoch?: unknown; lastPublishedEpoch?: unknown } | undefined;
      if (typeof b?.epoch === 'number') epoch = Math.max(epoch ?? -1, b.epoch);
      if (typeof b?.lastPublishedEpoch === 'number' && b.lastPublishedEpoch >= 0) lastPublished = Math.max(lastPublished ?? -1, b.lastPublishedEpoch);
    } catch {
      /* down */
    }
  }
  return {
    dir,
    state: m.state,
    epoch,
    lastPublishedEpoch: lastPublished,
    nodesUp: probed.filter((p) => p.status.healthy).length,
    nodesTotal: m.nodes.length,
    packetsMixed: sumSamples(mixSamples, 'strata_mix_packets_out_total', { kind: 'forward' }),
    mixLoopsSent: sumSamples(mixSamples, 'strata_mix_loops_sent_total'),
    mixLoopsReturned: sumSamples(mixSamples, 'strata_mix_loops_returned_total'),
    packetsDropped: sumSamples(mixSamples, 'strata_mix_packets_dropped_total'),
    messagesStored: sumSamples(providerSamples, 'strata_provider_stored_total'),
    messagesDelivered: sumSamples(providerSamples, 'strata_provider_delivered_total'),
    clients: m.clients,
    messagesSent: null,
    messagesReceived: null,
    p50LatencyMs: null,
    nodes: probed.map((p) => p.status),
  };
}

/** One line for the live view of `npm start`. */
export function formatStatusLine(s: TestnetStatus): string {
  return [
    `epoch ${s.epoch ?? '-'}`,
    `consensus ${s.lastPublishedEpoch ?? 'none yet'}`,
    `nodes up ${s.nodesUp}/${s.nodesTotal}`,
    `mixed ${s.packetsMixed}`,
    `cover: mix loops ${s.mixLoopsSent} sent / ${s.mixLoopsReturned} back`,
    `dropped ${s.packetsDropped}`,
    `stored ${s.messagesStored}`,
    `delivered ${s.messagesDelivered}`,
    `clients ${s.clients.running}/${s.clients.requested}`,
    ...(s.messagesSent === null ? [] : [`messages ${s.messagesReceived}/${s.messagesSent} received`]),
    `p50 ${s.p50LatencyMs === null ? 'n/a' : `${s.p50LatencyMs} ms`}`,
  ].join(' | ');
}

/** The table printed by `strata testnet status`. */
export function formatStatusTable(s: TestnetStatus): string {
  const rows = [['node', 'pid', 'state', 'detail', 'metrics']];
  for (const n of s.nodes) {
    rows.push([n.name, n.pid === null ? '-' : String(n.pid), !n.running ? 'down' : n.healthy ? 'up' : 'starting', n.detail, n.metricsUrl]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const table = rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
  return `testnet ${s.dir} (${s.state})\n${formatStatusLine(s)}\n${s.clients.note}\n\n${table}\n`;
}
