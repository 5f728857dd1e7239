// Mix node configuration: defaults → validation with path-prefixed errors → deep-frozen object
// (core/config's ConfigReader). Every option and its default is listed in docs/operators.md.
import { readNodeLinkConfig, type NodeLinkConfig } from '@strata/core/node/link-config';
import {
  readNodeDirectory, readNodeEpoch, readNodeGeometry, readNodeListen, readNodeQueues, readNodeWorkers,
  type NodeDirectoryConfig, type NodeEpochConfig, type NodeGeometryConfig, type NodeWorkersConfig,
} from '@strata/core/node/node-config';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile, parseConfig, type ConfigReader, type DeepReadonly } from '@strata/core/config';
import { DEFAULT_EPOCH_LENGTH_MS } from '@strata/core/epoch';
import {
  DEFAULT_HANDSHAKE_BURST,
  DEFAULT_HANDSHAKES_PER_SECOND,
  DEFAULT_MAX_CONNECTIONS_PER_PEER,
  DEFAULT_MAX_PENDING_HANDSHAKES,
  DEFAULT_MAX_PENDING_HANDSHAKES_PER_SOURCE,
} from '@strata/core/link/config';

export interface MixNodeConfigShape {
  /** Keys (identity.key, link.key, sphinx/), the replay filter and held packets live here. */
  dataDir: string;
  listen: { host: string; port: number };
  /** Host advertised in the descriptor's link address (default: listen.host, or 127.0.0.1 for 0.0.0.0). */
  advertiseHost: string;
  metrics: { enabled: boolean; host: string; port: number };
  directory: NodeDirectoryConfig;
  epoch: NodeEpochConfig;
  geometry: NodeGeometryConfig;
  workers: NodeWorkersConfig;
  delayQueue: { maxPackets: number };
  /** fsync: flush every replay-filter commit to disk (see replay-filter.ts for the trade-off). */
  replayFilter: { maxTagsPerEpoch: number; fsync: boolean };
  /** Upper bound on a NodeDelay, whatever the consensus says. */
  maxDelayMs: number;
  loops: { enabled: boolean; windowMs: number; warnBelowRatio: number };
  link: NodeLinkConfig;
  /** Ceiling on packet buffers (delay queue + unwrap queue), see memory-budget.ts; 0: no ceiling. */
  memoryCeilingBytes: number;
  log: { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' };
}

export type MixNodeConfig = DeepReadonly<MixNodeConfigShape>;

export const MIX_CONFIG_DEFAULTS = Object.freeze({
  listen: { host: '0.0.0.0', port: 7100 },
  metrics: { enabled: true, host: '127.0.0.1', port: 9465 },
  directory: { pollIntervalMs: 10_000 },
  epoch: { lengthMs: DEFAULT_EPOCH_LENGTH_MS, genesisMs: 0, graceMs: 120_000 },
  geometry: { kind: 'nike', nrHops: 5, userForwardPayloadLength: 2000, withSurb: true },
  workers: { count: 0, maxInFlightPerWorker: 16, maxQueued: 8192 },
  delayQueue: { maxPackets: 200_000 },
  replayFilter: { maxTagsPerEpoch: 20_000_000, fsync: false },
  maxDelayMs: 60_000,
  loops: { enabled: true, windowMs: 600_000, warnBelowRatio: 0.8 },
  link: {
    handshakeTimeoutMs: 10_000,
    maxQueuedBytes: 4 * 1024 * 1024,
    maxPendingPacketsPerPeer: 1024,
    maxPendingHandshakes: DEFAULT_MAX_PENDING_HANDSHAKES,
    maxPendingHandshakesPerSource: DEFAULT_MAX_PENDING_HANDSHAKES_PER_SOURCE,
    handshakesPerSecond: DEFAULT_HANDSHAKES_PER_SECOND,
    handshakeBurst: DEFAULT_HANDSHAKE_BURST,
    maxConnectionsPerPeer: DEFAULT_MAX_CONNECTIONS_PER_PEER,
  },
  memoryCeilingBytes: 1024 * 1024 * 1024,
  log: { level: 'info' },
});

const TOP_KEYS = ['dataDir', 'listen', 'advertiseHost', 'metrics', 'directory', 'epoch', 'geometry', 'workers', 'delayQueue', 'replayFilter', 'maxDelayMs', 'loops', 'link', 'memoryCeilingBytes', 'log'];

function validate(r: ConfigReader): MixNodeConfigShape {
  r.object('', TOP_KEYS);
  const dataDir = r.path('dataDir');
  const { listen, advertiseHost } = readNodeListen(r);
  r.object('metrics', ['enabled', 'host', 'port']);
  const metrics = { enabled: r.bool('metrics.enabled'), host: r.string('metrics.host'), port: r.int('metrics.port', { min: 0, max: 65535 }) };
  const directory = readNodeDirectory(r);
  const epoch = readNodeEpoch(r);
  const geometry = readNodeGeometry(r);
  const workers = readNodeWorkers(r, availableParallelism());
  const queues = readNodeQueues(r);
  r.object('loops', ['enabled', 'windowMs', 'warnBelowRatio']);
  r.object('log', ['level']);
  return {
    dataDir,
    listen,
    advertiseHost,
    metrics,
    directory,
    epoch,
    geometry,
    workers,
    ...queues,
    loops: {
      enabled: r.bool('loops.enabled'),
      windowMs: r.int('loops.windowMs', { min: 1000 }),
      warnBelowRatio: r.number('loops.warnBelowRatio', { min: 0, max: 1 }),
    },
    link: readNodeLinkConfig(r),
    memoryCeilingBytes: r.int('memoryCeilingBytes', { min: 0 }),
    log: { level: r.oneOf('log.level', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const) },
  };
}

/** Validates an in-memory config (relative paths resolve against `baseDir`). */
export function parseMixConfig(raw: unknown, baseDir?: string): MixNodeConfig {
  return parseConfig(raw, MIX_CONFIG_DEFAULTS, validate, baseDir);
}

/** Reads and validates a JSON config file. Throws ConfigError ('path: message'). */
export function loadMixConfig(file: string): MixNodeConfig {
  return loadConfigFile(file, MIX_CONFIG_DEFAULTS, validate);
}

export function dataPaths(config: MixNodeConfig): { identityKey: string; linkKey: string; sphinxKeys: string; replay: string; held: string } {
  return {
    identityKey: join(config.dataDir, 'identity.key'),
    linkKey: join(config.dataDir, 'link.key'),
    sphinxKeys: join(config.dataDir, 'sphinx'),
    replay: join(config.dataDir, 'replay'),
    held: join(config.dataDir, 'held'),
  };
}
