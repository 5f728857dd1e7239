import { readNodeLinkConfig, type NodeLinkConfig } from '@strata/core/node/link-config';
import {
  readNodeDirectory, readNodeEpoch, readNodeGeometry, readNodeListen, readNodeQueues, readNodeWorkers,
  type NodeDirectoryConfig, type NodeEpochConfig, type NodeGeometryConfig, type NodeWorkersConfig,
} from '@strata/core/node/node-config';
import { availableParallelism } from 'node:os';
import { ConfigError, type StrataError } from '@strata/core/errors';
import { ConfigReader, deepFreeze, mergeDefaults, type DeepReadonly } from '@strata/core/config';
import { DEFAULT_EPOCH_LENGTH_MS } from '@strata/core/epoch';
import { DEFAULT_MAX_CONNECTIONS_PER_PEER, DEFAULT_MAX_PENDING_HANDSHAKES_PER_SOURCE } from '@strata/core/link/config';
import { ProviderConfigError } from './errors.js';

/**
 * `provider.mixnet`: the provider's place in the mixnet (docs/spec/provider.md §9, docs/operators.md
 * "Provider"). Absent or `enabled: false` → the provider runs its dropboxes and API only.
 * Same keys and meaning as the mix node's config where they overlap.
 */
export interface MixnetConfigShape {
  enabled: boolean;
  /** One link listener for clients (registered link keys) and layer-L mixes (consensus link keys). */
  listen: { host: string; port: number };
  /** Host advertised in the descriptor's link address (default: listen.host, or 127.0.0.1 for 0.0.0.0). */
  advertiseHost: string;
  directory: NodeDirectoryConfig;
  epoch: NodeEpochConfig;
  geometry: NodeGeometryConfig;
  workers: NodeWorkersConfig;
  delayQueue: { maxPackets: number };
  replayFilter: { maxTagsPerEpoch: number; fsync: boolean };
  /** Upper bound on a NodeDelay, whatever the packet says. */
  maxDelayMs: number;
  link: NodeLinkConfig;
  /** Per-client token bucket on ingress packets (keyed by the client's link key). */
  rateLimit: { packetsPerSecond: number; burst: number; maxClients: number };
}

export type MixnetConfig = DeepReadonly<MixnetConfigShape>;

export const MIXNET_CONFIG_DEFAULTS = Object.freeze({
  enabled: true,
  listen: { host: '0.0.0.0', port: 7200 },
  directory: { pollIntervalMs: 10_000 },
  epoch: { lengthMs: DEFAULT_EPOCH_LENGTH_MS, genesisMs: 0, graceMs: 120_000 },
  geometry: { kind: 'nike', nrHops: 5, userForwardPayloadLength: 2000, withSurb: true },
  workers: { count: 0, maxInFlightPerWorker: 16, maxQueued: 8192 },
  delayQueue: { maxPackets: 200_000 },
  replayFilter: { maxTagsPerEpoch: 20_000_000, fsync: false },
  maxDelayMs: 60_000,
  // Clients link here too: a higher handshake rate than a mix's, so a provider restart reconnects them quickly.
  link: {
    handshakeTimeoutMs: 10_000,
    maxQueuedBytes: 4 * 1024 * 1024,
    maxPendingPacketsPerPeer: 1024,
    maxPendingHandshakes: 1024,
    maxPendingHandshakesPerSource: DEFAULT_MAX_PENDING_HANDSHAKES_PER_SOURCE,
    handshakesPerSecond: 1000,
    handshakeBurst: 2000,
    maxConnectionsPerPeer: DEFAULT_MAX_CONNECTIONS_PER_PEER,
  },
  rateLimit: { packetsPerSecond: 50, burst: 200, maxClients: 100_000 },
});

const KEYS = ['enabled', 'listen', 'advertiseHost', 'directory', 'epoch', 'geometry', 'workers', 'delayQueue', 'replayFilter', 'maxDelayMs', 'link', 'rateLimit'];

function validate(r: ConfigReader): MixnetConfigShape {
  r.object('', KEYS);
  const { listen, advertiseHost } = readNodeListen(r);
  const directory = readNodeDirectory(r);
  const epoch = readNodeEpoch(r);
  const geometry = readNodeGeometry(r);
  if (!geometry.withSurb) r.error('geometry.withSurb', 'must be true: SURB-ACKs and anonymous polls need the SURB slot (payload.md §2)');
  // Unwrap workers default to cores − 1, leaving the main thread for TLS and LMDB.
  const workers = readNodeWorkers(r, Math.max(1, availableParallelism() - 1));
  const queues = readNodeQueues(r);
  r.object('rateLimit', ['packetsPerSecond', 'burst', 'maxClients']);
  return {
    enabled: r.bool('enabled'),
    listen,
    advertiseHost,
    directory,
    epoch,
    geometry,
    workers,
    ...queues,
    link: readNodeLinkConfig(r),
    rateLimit: {
      packetsPerSecond: r.number('rateLimit.packetsPerSecond', { min: 0.001, max: 1_000_000 }),
      burst: r.int('rateLimit.burst', { min: 1, max: 10_000_000 }),
      maxClients: r.int('rateLimit.maxClients', { min: 1, max: 100_000_000 }),
    },
  };
}

/**
 * Validate `provider.mixnet` (undefined → null: no mixnet). Errors are ProviderConfigError with the
 * full path, e.g. `provider.mixnet.listen.port: must be an integer in [0, 65535]`.
 */
export function parseMixnetConfig(raw: unknown, baseDir?: string): MixnetConfig | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ProviderConfigError('provider.mixnet: must be an object');
  if ((raw as { enabled?: unknown }).enabled === false) return null;
  try {
    return deepFreeze(validate(new ConfigReader(mergeDefaults(MIXNET_CONFIG_DEFAULTS, raw), 'provider.mixnet', baseDir)));
  } catch (err) {
    if (err instanceof ConfigError) throw new ProviderConfigError((err as StrataError).message);
    throw err;
  }
}
