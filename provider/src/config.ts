import { readFileSync } from 'node:fs';
import { ProviderConfigError } from './errors.js';
import { parseMixnetConfig, type MixnetConfig } from './mixnet-config.js';

/**
 * Provider configuration: defaults → validation with path-prefixed errors → frozen object.
 * (A local equivalent of core/config; swap for @strata/core's helpers once they land.)
 */
export interface ProviderConfig {
  /** Directory for the LMDB environment, the key file and the self-signed certificate. */
  readonly dataDir: string;
  readonly name: string;
  readonly api: {
    readonly host: string;
    /** 0 picks a free port (the bound port is logged as `api listening`). */
    readonly port: number;
    /** Public base URL advertised in /.well-known/strata (default https://<host>:<port>). */
    readonly publicUrl: string | null;
    /** PEM files; when both are null a self-signed certificate is made in dataDir with openssl. */
    readonly tls: { readonly certFile: string | null; readonly keyFile: string | null; readonly hostnames: readonly string[] };
    readonly bodyLimitBytes: number;
    readonly requestTimeoutMs: number;
    /** Open connections in all and from one remote IP; beyond: destroyed before TLS, counted. */
    readonly maxConnections: number;
    readonly maxConnectionsPerSource: number;
  };
  readonly admin: {
    /** Plain-HTTP loopback listener for /metrics and /healthz. */
    readonly enabled: boolean;
    readonly host: string;
    readonly port: number;
  };
  readonly dropbox: {
    /** Exact size of every stored payload and every poll-response entry (the Sphinx user payload). */
    readonly messageBytes: number;
    /** Number of entries in every poll response (real or dummy). */
    readonly pollEntries: number;
    readonly ttlMs: number;
    readonly aliasQuotaMessages: number;
    /** Accounts this provider accepts (registration is open to anyone who reaches the API). */
    readonly maxAccounts: number;
    readonly maxAliasesPerAccount: number;
    readonly maxDevicesPerAccount: number;
    readonly maxSurbsPerAlias: number;
    /** Published identities held (GET/POST /v1/identities, provider.md §10); more: 429 identities. */
    readonly maxIdentities: number;
    readonly sweepIntervalMs: number;
    /** Upper bound of operations (stores, acks, …) folded into one LMDB transaction + flush. */
    readonly maxCommitBatch: number;
    /** LMDB map size; lmdb-js grows it when needed. */
    readonly mapSizeBytes: number;
  };
  readonly auth: {
    /** Accepted |now − timestamp| for signed requests. */
    readonly timestampWindowMs: number;
    /** Replay cache capacity; when full, signed requests are refused (fail closed). */
    readonly maxNonces: number;
  };
  /** Served verbatim in /.well-known/strata so that a client given only our address configures itself. */
  readonly wellKnown: {
    readonly authorities: readonly { readonly url: string; readonly identityKey: string }[];
    readonly network: Readonly<Record<string, unknown>>;
  };
  readonly log: { readonly level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' };
  /** The provider in the mixnet (link listener, Sphinx, directory); null = dropboxes and API only. */
  readonly mixnet: MixnetConfig | null;
}

export const DEFAULT_TTL_MS = 7 * 24 * 3600 * 1000;

const DEFAULTS = {
  name: 'provider',
  api: { host: '0.0.0.0', port: 8443, publicUrl: null, tls: { certFile: null, keyFile: null, hostnames: ['localhost', '127.0.0.1'] }, bodyLimitBytes: 256 * 1024, requestTimeoutMs: 10_000, maxConnections: 10_000, maxConnectionsPerSource: 64 },
  admin: { enabled: true, host: '127.0.0.1', port: 9464 },
  dropbox: {
    messageBytes: 2000,
    pollEntries: 16,
    ttlMs: DEFAULT_TTL_MS,
    aliasQuotaMessages: 1000,
    maxAccounts: 1_000_000,
    maxAliasesPerAccount: 100_000,
    maxDevicesPerAccount: 16,
    maxSurbsPerAlias: 1000,
    maxIdentities: 1_000_000,
    sweepIntervalMs: 60_000,
    maxCommitBatch: 8192,
    mapSizeBytes: 1 << 30,
  },
  auth: { timestampWindowMs: 60_000, maxNonces: 2_000_000 },
  wellKnown: { authorities: [], network: {} },
  log: { level: 'info' },
} as const;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function section(input: Obj, path: string, key: string): Obj {
  const v = input[key];
  if (v === undefined) return {};
  if (!isObj(v)) throw new ProviderConfigError(`${path}${key}: must be an object`);
  return v;
}

function rejectUnknown(input: Obj, path: string, known: readonly string[]): void {
  for (const k of Object.keys(input)) {
    if (!known.includes(k)) throw new ProviderConfigError(`${path}${k}: unknown option`);
  }
}

function int(input: Obj, path: string, key: string, dflt: number, min: number, max: number): number {
  const v = input[key] ?? dflt;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    throw new ProviderConfigError(`${path}${key}: must be an integer in [${min}, ${max}]`);
  }
  return v;
}

function str(input: Obj, path: string, key: string, dflt: string | undefined): string {
  const v = input[key] ?? dflt;
  if (typeof v !== 'string' || v.length === 0) throw new ProviderConfigError(`${path}${key}: must be a non-empty string`);
  return v;
}

function optStr(input: Obj, path: string, key: string): string | null {
  const v = input[key] ?? null;
  if (v !== null && (typeof v !== 'string' || v.length === 0)) throw new ProviderConfigError(`${path}${key}: must be a non-empty string or null`);
  return v;
}

function bool(input: Obj, path: string, key: string, dflt: boolean): boolean {
  const v = input[key] ?? dflt;
  if (typeof v !== 'boolean') throw new ProviderConfigError(`${path}${key}: must be a boolean`);
  return v;
}

function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null && !(o instanceof Uint8Array) && !Object.isFrozen(o)) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/** Validate a raw config object (as parsed from JSON) and return the frozen, defaulted config. */
export function parseProviderConfig(raw: unknown): ProviderConfig {
  if (!isObj(raw)) throw new ProviderConfigError('provider: must be an object');
  const p = 'provider.';
  rejectUnknown(raw, p, ['dataDir', 'name', 'api', 'admin', 'dropbox', 'auth', 'wellKnown', 'log', 'mixnet']);

  const api = section(raw, p, 'api');
  rejectUnknown(api, `${p}api.`, ['host', 'port', 'publicUrl', 'tls', 'bodyLimitBytes', 'requestTimeoutMs', 'maxConnections', 'maxConnectionsPerSource']);
  const tls = section(api, `${p}api.`, 'tls');
  rejectUnknown(tls, `${p}api.tls.`, ['certFile', 'keyFile', 'hostnames']);
  const certFile = optStr(tls, `${p}api.tls.`, 'certFile');
  const keyFile = optStr(tls, `${p}api.tls.`, 'keyFile');
  if ((certFile === null) !== (keyFile === null)) {
    throw new ProviderConfigError(`${p}api.tls.certFile: certFile and keyFile must be given together`);
  }
  const hostnames = tls.hostnames ?? DEFAULTS.api.tls.hostnames;
  if (!Array.isArray(hostnames) || hostnames.length === 0 || !hostnames.every((h) => typeof h === 'string' && /^[A-Za-z0-9.:-]+$/.test(h))) {
    throw new ProviderConfigError(`${p}api.tls.hostnames: must be a non-empty array of host names or IP addresses`);
  }
  const publicUrl = optStr(api, `${p}api.`, 'publicUrl');
  if (publicUrl !== null && !/^https:\/\//.test(publicUrl)) throw new ProviderConfigError(`${p}api.publicUrl: must start with https://`);

  const admin = section(raw, p, 'admin');
  rejectUnknown(admin, `${p}admin.`, ['enabled', 'host', 'port']);

  const d = section(raw, p, 'dropbox');
  const dp = `${p}dropbox.`;
  rejectUnknown(d, dp, Object.keys(DEFAULTS.dropbox));
  const D = DEFAULTS.dropbox;

  const auth = section(raw, p, 'auth');
  rejectUnknown(auth, `${p}auth.`, ['timestampWindowMs', 'maxNonces']);

  const wk = section(raw, p, 'wellKnown');
  rejectUnknown(wk, `${p}wellKnown.`, ['authorities', 'network']);
  const authorities = wk.authorities ?? [];
  if (!Array.isArray(authorities)) throw new ProviderConfigError(`${p}wellKnown.authorities: must be an array`);
  authorities.forEach((a, i) => {
    const ap = `${p}wellKnown.authorities[${i}].`;
    if (!isObj(a)) throw new ProviderConfigError(`${ap.slice(0, -1)}: must be an object`);
    rejectUnknown(a, ap, ['url', 'identityKey']);
    str(a, ap, 'url', undefined);
    str(a, ap, 'identityKey', undefined);
  });
  const network = wk.network ?? {};
  if (!isObj(network)) throw new ProviderConfigError(`${p}wellKnown.network: must be an object`);

  const log = section(raw, p, 'log');
  rejectUnknown(log, `${p}log.`, ['level']);
  const level = str(log, `${p}log.`, 'level', DEFAULTS.log.level);
  if (!LOG_LEVELS.includes(level)) throw new ProviderConfigError(`${p}log.level: must be one of ${LOG_LEVELS.join(', ')}`);

  const config: ProviderConfig = {
    dataDir: str(raw, p, 'dataDir', undefined),
    name: str(raw, p, 'name', DEFAULTS.name),
    api: {
      host: str(api, `${p}api.`, 'host', DEFAULTS.api.host),
      port: int(api, `${p}api.`, 'port', DEFAULTS.api.port, 0, 65535),
      publicUrl,
      tls: { certFile, keyFile, hostnames: [...hostnames] as string[] },
      bodyLimitBytes: int(api, `${p}api.`, 'bodyLimitBytes', DEFAULTS.api.bodyLimitBytes, 1024, 64 * 1024 * 1024),
      requestTimeoutMs: int(api, `${p}api.`, 'requestTimeoutMs', DEFAULTS.api.requestTimeoutMs, 100, 10 * 60 * 1000),
      maxConnections: int(api, `${p}api.`, 'maxConnections', DEFAULTS.api.maxConnections, 1, 10_000_000),
      maxConnectionsPerSource: int(api, `${p}api.`, 'maxConnectionsPerSource', DEFAULTS.api.maxConnectionsPerSource, 1, 10_000_000),
    },
    admin: {
      enabled: bool(admin, `${p}admin.`, 'enabled', DEFAULTS.admin.enabled),
      host: str(admin, `${p}admin.`, 'host', DEFAULTS.admin.host),
      port: int(admin, `${p}admin.`, 'port', DEFAULTS.admin.port, 0, 65535),
    },
    dropbox: {
      messageBytes: int(d, dp, 'messageBytes', D.messageBytes, 16, 60_000),
      pollEntries: int(d, dp, 'pollEntries', D.pollEntries, 1, 1024),
      ttlMs: int(d, dp, 'ttlMs', D.ttlMs, 1, 365 * 24 * 3600 * 1000),
      aliasQuotaMessages: int(d, dp, 'aliasQuotaMessages', D.aliasQuotaMessages, 1, 10_000_000),
      maxAccounts: int(d, dp, 'maxAccounts', D.maxAccounts, 1, 1_000_000_000),
      maxAliasesPerAccount: int(d, dp, 'maxAliasesPerAccount', D.maxAliasesPerAccount, 1, 10_000_000),
      maxDevicesPerAccount: int(d, dp, 'maxDevicesPerAccount', D.maxDevicesPerAccount, 1, 1024),
      maxSurbsPerAlias: int(d, dp, 'maxSurbsPerAlias', D.maxSurbsPerAlias, 1, 1_000_000),
      maxIdentities: int(d, dp, 'maxIdentities', D.maxIdentities, 0, 100_000_000),
      sweepIntervalMs: int(d, dp, 'sweepIntervalMs', D.sweepIntervalMs, 10, 24 * 3600 * 1000),
      maxCommitBatch: int(d, dp, 'maxCommitBatch', D.maxCommitBatch, 1, 1_000_000),
      mapSizeBytes: int(d, dp, 'mapSizeBytes', D.mapSizeBytes, 1 << 20, Number.MAX_SAFE_INTEGER),
    },
    auth: {
      timestampWindowMs: int(auth, `${p}auth.`, 'timestampWindowMs', DEFAULTS.auth.timestampWindowMs, 1000, 3600_000),
      maxNonces: int(auth, `${p}auth.`, 'maxNonces', DEFAULTS.auth.maxNonces, 1, 100_000_000),
    },
    wellKnown: {
      authorities: (authorities as Obj[]).map((a) => ({ url: a.url as string, identityKey: a.identityKey as string })),
      network: structuredClone(network),
    },
    log: { level: level as ProviderConfig['log']['level'] },
    mixnet: parseMixnetConfig(raw.mixnet),
  };
  if (config.mixnet && config.mixnet.geometry.userForwardPayloadLength !== config.dropbox.messageBytes) {
    throw new ProviderConfigError(`${p}dropbox.messageBytes: must equal mixnet.geometry.userForwardPayloadLength (${config.mixnet.geometry.userForwardPayloadLength}): a dropbox stores the payload body (payload.md §2)`);
  }
  return deepFreeze(config);
}

/** Read a JSON config file; errors name the file. */
export function loadProviderConfig(file: string): ProviderConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ProviderConfigError(`provider: cannot read config file ${file}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ProviderConfigError(`provider: config file ${file} is not valid JSON: ${(err as Error).message}`);
  }
  return parseProviderConfig(raw);
}
