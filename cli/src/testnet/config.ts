// Testnet configuration (`strata testnet up --config FILE`): embedded defaults for the chosen
// mode → validation with path-prefixed errors → frozen object. Documented in cli/README.md.
import { readFileSync } from 'node:fs';
import {
  ConfigError,
  MAX_MIX_LAYERS,
  parseConfig,
  type ConfigReader,
  type DeepReadonly,
  type NetworkParams,
} from '@strata/core';

export type TestnetMode = 'fast' | 'normal';
export type WaitStage = 'healthy' | 'consensus';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface TestnetConfigShape {
  /** `fast`: 10 s epochs and ~50 ms hop delays (demos, tests); `normal`: 60 s epochs, 500 ms hops. */
  mode: TestnetMode;
  authorities: number;
  mixLayers: number;
  mixesPerLayer: number;
  providers: number;
  /** Demo clients (started once client-lib ships a network client; counted, not faked, until then). */
  clients: number;
  /** Loopback (or local) address every daemon binds to. */
  host: string;
  epoch: { lengthMs: number };
  network: NetworkParams;
  mix: { workers: number; graceMs: number; pollIntervalMs: number };
  /** Identity keys (hex) of nodes run outside the testnet that the authorities also accept. */
  allow: { mixes: string[]; providers: string[] };
  /** What `up` waits for before it returns. */
  wait: WaitStage;
  timeouts: { startMs: number; consensusMs: number; stopMs: number };
  logLevel: LogLevel;
  /**
   * Per node (by name, e.g. `mix-0`): its own address instead of `host` and, optionally, the
   * network namespace it runs in (`ip netns exec NS …`, which the caller created). A placed node
   * uses the default ports of its daemon (it has its own address).
   */
  placement: Record<string, { host: string; netns: string | null }>;
}

export type TestnetConfig = DeepReadonly<TestnetConfigShape>;

const PRESETS: Record<TestnetMode, { epoch: { lengthMs: number }; network: NetworkParams }> = {
  fast: {
    epoch: { lengthMs: 10_000 },
    network: { muPerSecond: 20, lambdaPPerSecond: 5, lambdaLPerSecond: 2, lambdaDPerSecond: 2, lambdaMPerSecond: 2, maxDelayMs: 1000 },
  },
  normal: {
    epoch: { lengthMs: 60_000 },
    network: { muPerSecond: 2, lambdaPPerSecond: 2, lambdaLPerSecond: 1, lambdaDPerSecond: 1, lambdaMPerSecond: 1, maxDelayMs: 30_000 },
  },
};

/** Defaults of the demo network: 3 authorities, 3 layers × 2 mixes, 2 providers, 2 clients. */
export function testnetDefaults(mode: TestnetMode = 'fast'): Record<string, unknown> {
  const p = PRESETS[mode];
  return {
    mode,
    authorities: 3,
    mixLayers: 3,
    mixesPerLayer: 2,
    providers: 2,
    clients: 2,
    host: '127.0.0.1',
    epoch: { ...p.epoch },
    network: { ...p.network },
    mix: {},
    allow: { mixes: [], providers: [] },
    wait: 'consensus',
    timeouts: {},
    logLevel: 'info',
    placement: {},
  };
}

const KEY_HEX = { pattern: /^[0-9a-f]{64}$/, patternHint: '64 lower-case hex digits' };

function validate(r: ConfigReader): TestnetConfigShape {
  r.object('', ['mode', 'authorities', 'mixLayers', 'mixesPerLayer', 'providers', 'clients', 'host', 'epoch', 'network', 'mix', 'allow', 'wait', 'timeouts', 'logLevel', 'placement']);
  r.object('epoch', ['lengthMs']);
  r.object('network', ['muPerSecond', 'lambdaPPerSecond', 'lambdaLPerSecond', 'lambdaDPerSecond', 'lambdaMPerSecond', 'maxDelayMs']);
  r.object('mix', ['workers', 'graceMs', 'pollIntervalMs']);
  r.object('allow', ['mixes', 'providers']);
  r.object('timeouts', ['startMs', 'consensusMs', 'stopMs']);
  const lengthMs = r.int('epoch.lengthMs', { min: 2000, max: 24 * 3600 * 1000 });
  const int = (path: string, fallback: number, min: number, max: number): number => (r.has(path) ? r.int(path, { min, max }) : fallback);
  const keys = (path: string): string[] => r.array(path, (k) => k.string('', KEY_HEX));
  return {
    mode: r.oneOf('mode', ['fast', 'normal'] as const),
    authorities: r.int('authorities', { min: 1, max: 31 }),
    mixLayers: r.int('mixLayers', { min: 1, max: MAX_MIX_LAYERS }),
    mixesPerLayer: r.int('mixesPerLayer', { min: 0, max: 32 }),
    providers: r.int('providers', { min: 0, max: 32 }),
    clients: r.int('clients', { min: 0, max: 32 }),
    host: r.string('host', { minLength: 1, maxLength: 253 }),
    epoch: { lengthMs },
    network: {
      muPerSecond: r.number('network.muPerSecond', { min: 0, exclusiveMin: true }),
      lambdaPPerSecond: r.number('network.lambdaPPerSecond', { min: 0 }),
      lambdaLPerSecond: r.number('network.lambdaLPerSecond', { min: 0 }),
      lambdaDPerSecond: r.number('network.lambdaDPerSecond', { min: 0 }),
      lambdaMPerSecond: r.number('network.lambdaMPerSecond', { min: 0 }),
      maxDelayMs: r.int('network.maxDelayMs', { min: 1, max: 3_600_000 }),
    },
    mix: {
      workers: int('mix.workers', 1, 1, 64),
      // Keep the previous epoch's Sphinx key for a quarter epoch (packets in flight still unwrap).
      graceMs: int('mix.graceMs', Math.floor(lengthMs / 4), 0, lengthMs - 1),
      pollIntervalMs: int('mix.pollIntervalMs', Math.max(100, Math.floor(lengthMs / 20)), 100, 3_600_000),
    },
    allow: { mixes: keys('allow.mixes'), providers: keys('allow.providers') },
    wait: r.oneOf('wait', ['healthy', 'consensus'] as const),
    timeouts: {
      startMs: int('timeouts.startMs', 60_000, 1000, 3_600_000),
      // The first document is for the epoch after the one being built: allow three epochs.
      consensusMs: int('timeouts.consensusMs', 3 * lengthMs + 10_000, 1000, 24 * 3600 * 1000),
      stopMs: int('timeouts.stopMs', 10_000, 100, 600_000),
    },
    logLevel: r.oneOf('logLevel', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
    placement: placement(r),
  };
}

const NODE_NAME = /^(authority|mix|provider)-\d{1,3}$/;

function placement(r: ConfigReader): TestnetConfigShape['placement'] {
  const out: TestnetConfigShape['placement'] = {};
  for (const name of Object.keys(r.object('placement'))) {
    if (!NODE_NAME.test(name)) r.error(`placement.${name}`, 'must name a node: authority-<i>, mix-<i> or provider-<i>');
    r.object(`placement.${name}`, ['host', 'netns']);
    out[name] = {
      host: r.string(`placement.${name}.host`, { minLength: 1, maxLength: 253 }),
      netns: r.has(`placement.${name}.netns`) ? r.string(`placement.${name}.netns`, { pattern: /^[A-Za-z0-9_.-]{1,64}$/, patternHint: 'a network namespace name' }) : null,
    };
  }
  return out;
}

/** Validates an in-memory testnet config; the mode (default `fast`) picks the defaults. */
export function parseTestnetConfig(raw: unknown = {}): TestnetConfig {
  const mode = raw !== null && typeof raw === 'object' && (raw as { mode?: unknown }).mode === 'normal' ? 'normal' : 'fast';
  return parseConfig(raw, testnetDefaults(mode), validate);
}

/** Reads and validates a testnet config file; throws ConfigError naming the path. */
export function loadTestnetConfig(file: string): TestnetConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError('', `cannot read testnet config ${file}: ${(err as Error).message}`, { cause: err });
  }
  return parseTestnetConfig(raw);
}

/** Total number of mix nodes. */
export function mixCount(c: TestnetConfig): number {
  return c.mixLayers * c.mixesPerLayer;
}
