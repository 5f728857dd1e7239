// Config sections every node daemon (mix node, provider in the mixnet) shares, validated the same
// way: listen address, directory, epochs, Sphinx geometry, unwrap workers, queues. Each daemon keeps
// its own defaults object and top-level key list; these readers only validate (errors carry the
// full path through the ConfigReader).
import type { ConfigReader } from '../config.js';
import { majorityThreshold } from '../consensus.js';
import { MAX_TAGS_PER_EPOCH } from './replay-filter.js';

export interface NodeListenConfig {
  listen: { host: string; port: number };
  /** Host advertised in the descriptor's link address (default: listen.host, or 127.0.0.1 for 0.0.0.0). */
  advertiseHost: string;
}

export interface NodeDirectoryConfig {
  authorities: { url: string; identityKey: Uint8Array }[];
  threshold: number;
  pollIntervalMs: number;
}

export interface NodeEpochConfig {
  lengthMs: number;
  genesisMs: number;
  graceMs: number;
}

export interface NodeGeometryConfig {
  kind: 'nike' | 'kem';
  nrHops: number;
  userForwardPayloadLength: number;
  withSurb: boolean;
}

export interface NodeWorkersConfig {
  count: number;
  maxInFlightPerWorker: number;
  maxQueued: number;
}

export interface NodeQueuesConfig {
  delayQueue: { maxPackets: number };
  /** fsync: flush every replay-filter commit to disk (see replay-filter.ts for the trade-off). */
  replayFilter: { maxTagsPerEpoch: number; fsync: boolean };
  /** Upper bound on a NodeDelay, whatever the packet says. */
  maxDelayMs: number;
}

export function readNodeListen(r: ConfigReader): NodeListenConfig {
  r.object('listen', ['host', 'port']);
  const listen = { host: r.string('listen.host'), port: r.int('listen.port', { min: 0, max: 65535 }) };
  const advertiseHost = r.has('advertiseHost') ? r.string('advertiseHost') : listen.host === '0.0.0.0' || listen.host === '::' ? '127.0.0.1' : listen.host;
  return { listen, advertiseHost };
}

/** `directory`: authorities (1..64), threshold (default ⌊n/2⌋+1), poll interval. */
export function readNodeDirectory(r: ConfigReader): NodeDirectoryConfig {
  r.object('directory', ['authorities', 'threshold', 'pollIntervalMs']);
  const authorities = r.array('directory.authorities', (a) => {
    a.object('', ['url', 'identityKey']);
    return { url: a.url('url', ['http:', 'https:']), identityKey: a.hex('identityKey', 32) };
  }, { minLength: 1, maxLength: 64 });
  const threshold = r.has('directory.threshold')
    ? r.int('directory.threshold', { min: 1, max: authorities.length })
    : majorityThreshold(authorities.length);
  return { authorities, threshold, pollIntervalMs: r.int('directory.pollIntervalMs', { min: 100, max: 3_600_000 }) };
}

export function readNodeEpoch(r: ConfigReader): NodeEpochConfig {
  r.object('epoch', ['lengthMs', 'genesisMs', 'graceMs']);
  const epoch = { lengthMs: r.int('epoch.lengthMs', { min: 1000 }), genesisMs: r.int('epoch.genesisMs', { min: 0 }), graceMs: r.int('epoch.graceMs', { min: 0 }) };
  if (epoch.graceMs >= epoch.lengthMs) r.error('epoch.graceMs', 'must be shorter than epoch.lengthMs');
  return epoch;
}

export function readNodeGeometry(r: ConfigReader): NodeGeometryConfig {
  r.object('geometry', ['kind', 'nrHops', 'userForwardPayloadLength', 'withSurb']);
  return {
    kind: r.oneOf('geometry.kind', ['nike', 'kem'] as const),
    nrHops: r.int('geometry.nrHops', { min: 1, max: 32 }),
    userForwardPayloadLength: r.int('geometry.userForwardPayloadLength', { min: 1, max: 60_000 }),
    withSurb: r.bool('geometry.withSurb'),
  };
}

/** `workers`; a configured count of 0 means `defaultCount` (the daemon's choice from the cores). */
export function readNodeWorkers(r: ConfigReader, defaultCount: number): NodeWorkersConfig {
  r.object('workers', ['count', 'maxInFlightPerWorker', 'maxQueued']);
  const count = r.int('workers.count', { min: 0, max: 256 });
  return {
    count: count === 0 ? defaultCount : count,
    maxInFlightPerWorker: r.int('workers.maxInFlightPerWorker', { min: 1, max: 1024 }),
    maxQueued: r.int('workers.maxQueued', { min: 0, max: 10_000_000 }),
  };
}

/** `delayQueue`, `replayFilter` and `maxDelayMs`. */
export function readNodeQueues(r: ConfigReader): NodeQueuesConfig {
  r.object('delayQueue', ['maxPackets']);
  r.object('replayFilter', ['maxTagsPerEpoch', 'fsync']);
  return {
    delayQueue: { maxPackets: r.int('delayQueue.maxPackets', { min: 1, max: 100_000_000 }) },
    replayFilter: { maxTagsPerEpoch: r.int('replayFilter.maxTagsPerEpoch', { min: 1, max: MAX_TAGS_PER_EPOCH }), fsync: r.bool('replayFilter.fsync') },
    maxDelayMs: r.int('maxDelayMs', { min: 0, max: 3_600_000 }),
  };
}
