// Directory authority configuration: JSON file → defaults → validation with path-prefixed
// errors → frozen object. Every option and default is listed in docs/operators.md.
import {
  DEFAULT_EPOCH_LENGTH_MS,
  DEFAULT_MIX_LAYERS,
  MAX_MIX_LAYERS,
  loadConfigFile,
  parseConfig,
  toHex,
  type ConfigReader,
  type DeepReadonly,
  type NetworkParams,
} from '@strata/core';
import { DEFAULT_GEOMETRY, geometryHash } from 'sphinx-packet-ts';

export interface AuthorityPeer {
  identityKey: Uint8Array;
  /** Base URL, e.g. http://10.0.0.1:7000 */
  url: string;
}

export interface DirectoryConfigShape {
  identityKeyFile: string;
  dataDir: string;
  listen: { host: string; port: number };
  epoch: { lengthMs: number; genesisMs: number };
  schedule: {
    /** Uploads for epoch e close this long before e starts. */
    uploadCloseBeforeEpochMs: number;
    votePhaseMs: number;
    revealPhaseMs: number;
    signPhaseMs: number;
    /** How often the authority re-checks its phase. */
    tickMs: number;
  };
  /** Every authority of the network, this one included (matched by identity key). */
  authorities: AuthorityPeer[];
  allow: { mixes: Uint8Array[]; providers: Uint8Array[] };
  network: NetworkParams & { mixLayers: number; sphinxGeometryHash: Uint8Array };
  limits: {
    uploadBodyBytes: number;
    exchangeBodyBytes: number;
    keepEpochs: number;
    requestTimeoutMs: number;
    /** Open HTTP connections in all, and from one remote IP; beyond: destroyed, counted. */
    maxConnections: number;
    maxConnectionsPerSource: number;
  };
  log: { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' };
}

export type DirectoryConfig = DeepReadonly<DirectoryConfigShape>;

export const DIRECTORY_DEFAULTS = {
  dataDir: 'directory-data',
  listen: { host: '127.0.0.1', port: 7000 },
  epoch: { lengthMs: DEFAULT_EPOCH_LENGTH_MS, genesisMs: 0 },
  schedule: {},
  allow: { mixes: [], providers: [] },
  network: {
    mixLayers: DEFAULT_MIX_LAYERS,
    muPerSecond: 2,
    lambdaPPerSecond: 2,
    lambdaLPerSecond: 1,
    lambdaDPerSecond: 1,
    lambdaMPerSecond: 1,
    maxDelayMs: 30_000,
  },
  limits: { uploadBodyBytes: 16 * 1024, exchangeBodyBytes: 8 * 1024 * 1024, keepEpochs: 8, requestTimeoutMs: 5000, maxConnections: 4096, maxConnectionsPerSource: 64 },
  log: { level: 'info' },
};

const KEY_HEX = { pattern: /^[0-9a-f]{64}$/, patternHint: '64 lower-case hex digits' };

function validate(r: ConfigReader): DirectoryConfigShape {
  r.object('', ['identityKeyFile', 'dataDir', 'listen', 'epoch', 'schedule', 'authorities', 'allow', 'network', 'limits', 'log']);
  r.object('listen', ['host', 'port']);
  r.object('epoch', ['lengthMs', 'genesisMs']);
  r.object('schedule', ['uploadCloseBeforeEpochMs', 'votePhaseMs', 'revealPhaseMs', 'signPhaseMs', 'tickMs']);
  r.object('allow', ['mixes', 'providers']);
  r.object('network', ['mixLayers', 'muPerSecond', 'lambdaPPerSecond', 'lambdaLPerSecond', 'lambdaDPerSecond', 'lambdaMPerSecond', 'maxDelayMs', 'sphinxGeometryHash']);
  r.object('limits', ['uploadBodyBytes', 'exchangeBodyBytes', 'keepEpochs', 'requestTimeoutMs', 'maxConnections', 'maxConnectionsPerSource']);
  r.object('log', ['level']);

  const lengthMs = r.int('epoch.lengthMs', { min: 1000, max: 7 * 24 * 3600 * 1000 });
  const optionalInt = (path: string, fallback: number, min: number): number => (r.has(path) ? r.int(path, { min, max: lengthMs }) : fallback);
  // Defaults (Katzenpost-like): uploads close half an epoch before the epoch starts; vote,
  // reveal and sign take an eighth each, so the document is due an eighth before the start.
  const schedule = {
    uploadCloseBeforeEpochMs: optionalInt('schedule.uploadCloseBeforeEpochMs', Math.floor(lengthMs / 2), 1),
    votePhaseMs: optionalInt('schedule.votePhaseMs', Math.floor(lengthMs / 8), 1),
    revealPhaseMs: optionalInt('schedule.revealPhaseMs', Math.floor(lengthMs / 8), 1),
    signPhaseMs: optionalInt('schedule.signPhaseMs', Math.floor(lengthMs / 8), 1),
    tickMs: optionalInt('schedule.tickMs', Math.min(1000, Math.max(10, Math.floor(lengthMs / 200))), 5),
  };
  if (schedule.uploadCloseBeforeEpochMs >= lengthMs) r.error('schedule.uploadCloseBeforeEpochMs', 'must be shorter than an epoch');
  if (schedule.votePhaseMs + schedule.revealPhaseMs + schedule.signPhaseMs > schedule.uploadCloseBeforeEpochMs) {
    r.error('schedule', 'votePhaseMs + revealPhaseMs + signPhaseMs must fit before the epoch starts (≤ uploadCloseBeforeEpochMs)');
  }

  const authorities = r.array(
    'authorities',
    (a) => {
      a.object('', ['identityKey', 'url']);
      a.string('identityKey', KEY_HEX);
      return { identityKey: a.hex('identityKey', 32), url: a.url('url', ['http:', 'https:']).replace(/\/+$/, '') };
    },
    { minLength: 1, maxLength: 31 },
  );
  const seen = new Set<string>();
  authorities.forEach((a, i) => {
    const k = toHex(a.identityKey);
    if (seen.has(k)) r.error(`authorities[${i}].identityKey`, 'listed twice');
    seen.add(k);
  });

  const keys = (path: string): Uint8Array[] => r.array(path, (k) => (k.string('', KEY_HEX), k.hex('', 32)));

  return {
    identityKeyFile: r.path('identityKeyFile'),
    dataDir: r.path('dataDir'),
    listen: { host: r.string('listen.host'), port: r.int('listen.port', { min: 0, max: 65535 }) },
    epoch: { lengthMs, genesisMs: r.int('epoch.genesisMs', { min: 0 }) },
    schedule,
    authorities,
    allow: { mixes: keys('allow.mixes'), providers: keys('allow.providers') },
    network: {
      mixLayers: r.int('network.mixLayers', { min: 1, max: MAX_MIX_LAYERS }),
      muPerSecond: r.number('network.muPerSecond', { min: 0, exclusiveMin: true }),
      lambdaPPerSecond: r.number('network.lambdaPPerSecond', { min: 0 }),
      lambdaLPerSecond: r.number('network.lambdaLPerSecond', { min: 0 }),
      lambdaDPerSecond: r.number('network.lambdaDPerSecond', { min: 0 }),
      lambdaMPerSecond: r.number('network.lambdaMPerSecond', { min: 0 }),
      maxDelayMs: r.int('network.maxDelayMs', { min: 1, max: 0xffffffff }),
      // Default: the hash of sphinx-packet-ts DEFAULT_GEOMETRY (5 hops, 2000-byte payload).
      sphinxGeometryHash: r.has('network.sphinxGeometryHash')
        ? (r.string('network.sphinxGeometryHash', KEY_HEX), r.hex('network.sphinxGeometryHash', 32))
        : geometryHash(DEFAULT_GEOMETRY),
    },
    limits: {
      uploadBodyBytes: r.int('limits.uploadBodyBytes', { min: 1024, max: 1 << 20 }),
      exchangeBodyBytes: r.int('limits.exchangeBodyBytes', { min: 64 * 1024, max: 64 << 20 }),
      keepEpochs: r.int('limits.keepEpochs', { min: 2, max: 10_000 }),
      requestTimeoutMs: r.int('limits.requestTimeoutMs', { min: 100, max: 600_000 }),
      maxConnections: r.int('limits.maxConnections', { min: 1, max: 10_000_000 }),
      maxConnectionsPerSource: r.int('limits.maxConnectionsPerSource', { min: 1, max: 10_000_000 }),
    },
    log: { level: r.oneOf('log.level', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const) },
  };
}

export function parseDirectoryConfig(raw: unknown, baseDir?: string): DirectoryConfig {
  return parseConfig(raw, DIRECTORY_DEFAULTS, validate, baseDir);
}

export function loadDirectoryConfig(file: string): DirectoryConfig {
  return loadConfigFile(file, DIRECTORY_DEFAULTS, validate);
}
