// Mix node configuration: defaults → validation with path-prefixed errors → deep-frozen object
// (core/config's ConfigReader). Every option and its default is listed in docs/operators.md.
import { readNodeLinkConfig, type NodeLinkConfig } from '@strata/core/node/link-config';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile, parseConfig, type ConfigReader, type DeepReadonly } from '@strata/core/config';
import { majorityThreshold } from '@strata/core/consensus';
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
  directory: {
    authorities: { url: string; identityKey: Uint8Array }[];
    threshold: number;
    pollIntervalMs: number;
  };
  epoch: { lengthMs: number; genesisMs: number; graceMs: number };
  geometry: { kind: 'nike' | 'kem'; nrHops: number; userForwardPayloadLength: number; withSurb: boolean };
  workers: { count: number; maxInFlightPerWorker: number; maxQueued: number };
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
  r.object('listen', ['host', 'port']);
  const listen = { host: r.string('listen.host'), port: r.int('listen.port', { min: 0, max: 65535 }) };
  const advertiseHost = r.has('advertiseHost') ? r.string('advertiseHost') : listen.host === '0.0.0.0' || listen.host === '::' ? '127.0.0.1' : listen.host;
  r.object('metrics', ['enabled', 'host', 'port']);
  const metrics = { enabled: r.bool('metrics.enabled'), host: r.string('metrics.host'), port: r.int('metrics.port', { min: 0, max: 65535 }) };
  r.object('directory', ['authorities', 'threshold', 'pollIntervalMs']);
  const authorities = r.array('directory.authorities', (a) => {
    a.object('', ['url', 'identityKey']);
    return { url: a.url('url', ['http:', 'https:']), identityKey: a.hex('identityKey', 32) };
  }, { minLength: 1, maxLength: 64 });
  const threshold = r.has('directory.threshold')
    ? r.int('directory.threshold', { min: 1, max: authorities.length })
    : majorityThreshold(authorities.length);
  const directory = { authorities, threshold, pollIntervalMs: r.int('directory.pollIntervalMs', { min: 100, max: 3_600_000 }) };
  r.object('epoch', ['lengthMs', 'genesisMs', 'graceMs']);
  const epoch = {
    lengthMs: r.int('epoch.lengthMs', { min: 1000 }),
    genesisMs: r.int('epoch.genesisMs', { min: 0 }),
    graceMs: r.int('epoch.graceMs', { min: 0 }),
  };
  if (epoch.graceMs >= epoch.lengthMs) r.error('epoch.graceMs', 'must be shorter than epoch.lengthMs');
  r.object('geometry', ['kind', 'nrHops', 'userForwardPayloadLength', 'withSurb']);
  const geometry = {
    kind: r.oneOf('geometry.kind', ['nike', 'kem'] as const),
    nrHops: r.int('geometry.nrHops', { min: 1, max: 32 }),
    userForwardPayloadLength: r.int('geometry.userForwardPayloadLength', { min: 1, max: 60_000 }),
    withSurb: r.bool('geometry.withSurb'),
  };
  r.object('workers', ['count', 'maxInFlightPerWorker', 'maxQueued']);
  const count = r.int('workers.count', { min: 0, max: 256 });
  const workers = {
    count: count === 0 ? availableParallelism() : count,
    maxInFlightPerWorker: r.int('workers.maxInFlightPerWorker', { min: 1, max: 1024 }),
    maxQueued: r.int('workers.maxQueued', { min: 0, max: 10_000_000 }),
  };
  r.object('delayQueue', ['maxPackets']);
  r.object('replayFilter', ['maxTagsPerEpoch', 'fsync']);
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
    delayQueue: { maxPackets: r.int('delayQueue.maxPackets', { min: 1, max: 100_000_000 }) },
    replayFilter: { maxTagsPerEpoch: r.int('replayFilter.maxTagsPerEpoch', { min: 1 }), fsync: r.bool('replayFilter.fsync') },
    maxDelayMs: r.int('maxDelayMs', { min: 0, max: 3_600_000 }),
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
