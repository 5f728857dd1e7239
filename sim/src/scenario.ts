import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import AjvModule from 'ajv';
import type { RouteKind } from '@strata/core/sched/index';
import { ScenarioError } from './errors.js';

export type LinkModel = { kind: 'fixed'; ms: number } | { kind: 'uniform'; minMs: number; maxMs: number };
export type RealTraffic =
  | { kind: 'poisson'; ratePerUserPerS: number }
  | { kind: 'trace'; file: string }
  | { kind: 'none' };

export interface NMinusOne {
  /** Attacked mix: layer and index within the layer. */
  layer: number;
  index: number;
  startS: number;
  /** Attacker's own packets injected into the attacked mix, per second. */
  floodRatePerS: number;
}

export interface Scenario {
  name: string;
  seed: number;
  repetitions: number;
  durationS: number;
  warmupS: number;
  topology: { kind: RouteKind; layers: number; width: number; providers: number };
  hopDelayMeanMs: number;
  hopDelayCapMs: number;
  providerMixing: boolean;
  links: LinkModel;
  users: { count: number; lambdaPPerS: number; lambdaLPerS: number; lambdaDPerS: number; contacts: number; maxQueue: number };
  realTraffic: RealTraffic;
  mixLoops: { lambdaMPerS: number; timeoutMs: number | null };
  adversary: {
    corruptMixFraction: number;
    corruptProviderFraction: number;
    placement: 'random' | 'per-layer';
    nMinusOne: NMinusOne | null;
  };
  metrics: {
    /** Messages also followed by the online reference tracker (cross-check of the exact every-message entropy). */
    trackedTargets: number;
    /** Pool mass below which the every-message entropy computation stops (error bound reported). */
    entropyPruneMass: number;
    /** Compute the exact entropy of every n-th window message (1 = every message). */
    entropyEvery: number;
    senderAnonymity: boolean;
    challengeSenders: [number, number];
    disclosure: { target: number; roundMs: number } | null;
    corruptSweep: number[];
    perMessageCsv: boolean;
  };
}

const num = (extra: object = {}) => ({ type: 'number', ...extra });
const int = (extra: object = {}) => ({ type: 'integer', ...extra });

/** JSON Schema (draft-07) of a scenario file; defaults are filled in by validation. */
export const SCENARIO_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    $schema: { type: 'string' },
    description: { type: 'string' },
    name: { type: 'string', minLength: 1, maxLength: 200 },
    seed: int({ minimum: 0, maximum: 4294967295, default: 1 }),
    repetitions: int({ minimum: 1, maximum: 1000, default: 1 }),
    durationS: num({ exclusiveMinimum: 0, maximum: 1e6, default: 60 }),
    warmupS: num({ minimum: 0, default: 5 }),
    topology: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        kind: { enum: ['stratified', 'cascade', 'free'], default: 'stratified' },
        layers: int({ minimum: 1, maximum: 16, default: 3 }),
        width: int({ minimum: 1, maximum: 10000, default: 3 }),
        providers: int({ minimum: 1, maximum: 10000, default: 2 }),
      },
    },
    hopDelayMeanMs: num({ exclusiveMinimum: 0, default: 50 }),
    hopDelayCapMs: { type: ['number', 'null'], default: null },
    providerMixing: { type: 'boolean', default: false },
    links: {
      default: { kind: 'fixed', ms: 0 },
      oneOf: [
        { type: 'object', additionalProperties: false, required: ['kind', 'ms'], properties: { kind: { const: 'fixed' }, ms: num({ minimum: 0 }) } },
        {
          type: 'object',
          additionalProperties: false,
          required: ['kind', 'minMs', 'maxMs'],
          properties: { kind: { const: 'uniform' }, minMs: num({ minimum: 0 }), maxMs: num({ minimum: 0 }) },
        },
      ],
    },
    users: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        count: int({ minimum: 1, maximum: 10_000_000, default: 20 }),
        lambdaPPerS: num({ minimum: 0, default: 2 }),
        lambdaLPerS: num({ minimum: 0, default: 1 }),
        lambdaDPerS: num({ minimum: 0, default: 1 }),
        contacts: int({ minimum: 1, default: 3 }),
        maxQueue: int({ minimum: 0, default: 10000 }),
      },
    },
    realTraffic: {
      default: { kind: 'poisson', ratePerUserPerS: 1 },
      oneOf: [
        { type: 'object', additionalProperties: false, required: ['kind', 'ratePerUserPerS'], properties: { kind: { const: 'poisson' }, ratePerUserPerS: num({ minimum: 0 }) } },
        { type: 'object', additionalProperties: false, required: ['kind', 'file'], properties: { kind: { const: 'trace' }, file: { type: 'string', minLength: 1 } } },
        { type: 'object', additionalProperties: false, required: ['kind'], properties: { kind: { const: 'none' } } },
      ],
    },
    mixLoops: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: { lambdaMPerS: num({ minimum: 0, default: 0 }), timeoutMs: { type: ['number', 'null'], default: null } },
    },
    adversary: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        corruptMixFraction: num({ minimum: 0, maximum: 1, default: 0 }),
        corruptProviderFraction: num({ minimum: 0, maximum: 1, default: 0 }),
        placement: { enum: ['random', 'per-layer'], default: 'per-layer' },
        nMinusOne: {
          default: null,
          oneOf: [
            { type: 'null' },
            {
              type: 'object',
              additionalProperties: false,
              required: ['layer', 'index', 'startS'],
              properties: {
                layer: int({ minimum: 0 }),
                index: int({ minimum: 0 }),
                startS: num({ minimum: 0 }),
                floodRatePerS: num({ minimum: 0, default: 100 }),
              },
            },
          ],
        },
      },
    },
    metrics: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        trackedTargets: int({ minimum: 0, maximum: 100000, default: 0 }),
        entropyPruneMass: num({ exclusiveMinimum: 0, maximum: 0.01, default: 1e-6 }),
        entropyEvery: int({ minimum: 1, default: 1 }),
        senderAnonymity: { type: 'boolean', default: false },
        challengeSenders: { type: 'array', items: int({ minimum: 0 }), minItems: 2, maxItems: 2, default: [0, 1] },
        disclosure: {
          default: null,
          oneOf: [
            { type: 'null' },
            {
              type: 'object',
              additionalProperties: false,
              properties: { target: int({ minimum: 0, default: 0 }), roundMs: num({ exclusiveMinimum: 0, default: 1000 }) },
            },
          ],
        },
        corruptSweep: { type: 'array', items: num({ minimum: 0, maximum: 1 }), maxItems: 32, default: [] },
        perMessageCsv: { type: 'boolean', default: true },
      },
    },
  },
} as const;

// ajv ships CommonJS; under NodeNext the class is the module's default export's default.
const Ajv = (AjvModule as unknown as { default: typeof AjvModule }).default ?? AjvModule;
const ajv = new (Ajv as unknown as new (o: object) => { compile(s: object): AjvValidate })({
  useDefaults: true,
  allErrors: true,
  strict: false,
});
interface AjvValidate {
  (data: unknown): boolean;
  errors?: Array<{ instancePath: string; message?: string; params?: Record<string, unknown> }> | null;
}
const validateSchema = ajv.compile(SCENARIO_SCHEMA);

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

function fail(path: string, msg: string): never {
  throw new ScenarioError(`${path}: ${msg}`, 'semantic');
}

/**
 * Defaults → schema validation → semantic validation (path-prefixed errors) → frozen Scenario.
 * `baseDir` resolves a relative trace file.
 */
export function parseScenario(input: unknown, baseDir = process.cwd()): Readonly<Scenario> {
  const data = structuredClone(input) as Record<string, unknown>;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new ScenarioError('scenario: must be a JSON object');
  if (!validateSchema(data)) {
    const e = (validateSchema.errors ?? [])[0];
    const path = 'scenario' + (e?.instancePath ?? '').replace(/\//g, '.');
    const extra = e?.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : '';
    throw new ScenarioError(`${path}: ${e?.message ?? 'invalid'}${extra}`, 'schema');
  }
  // The oneOf branches do not apply nested defaults: fill them here.
  const adv = data.adversary as Scenario['adversary'];
  if (adv.nMinusOne !== null && adv.nMinusOne.floodRatePerS === undefined) adv.nMinusOne.floodRatePerS = 100;
  const m = data.metrics as Scenario['metrics'];
  if (m.disclosure !== null) m.disclosure = { target: m.disclosure.target ?? 0, roundMs: m.disclosure.roundMs ?? 1000 };
  const s = data as unknown as Scenario;
  if (s.warmupS >= s.durationS) fail('scenario.warmupS', 'must be below durationS');
  if (s.hopDelayCapMs === null) s.hopDelayCapMs = 20 * s.hopDelayMeanMs;
  if (!(s.hopDelayCapMs > 0)) fail('scenario.hopDelayCapMs', 'must be > 0');
  if (s.links.kind === 'uniform' && s.links.maxMs < s.links.minMs) fail('scenario.links.maxMs', 'must be >= minMs');
  if (s.users.contacts >= s.users.count && s.users.count > 1) fail('scenario.users.contacts', 'must be below users.count');
  if (s.topology.kind === 'cascade' && s.topology.width < 1) fail('scenario.topology.width', 'must be >= 1');
  const n1 = s.adversary.nMinusOne;
  if (n1 !== null) {
    if (n1.layer >= s.topology.layers) fail('scenario.adversary.nMinusOne.layer', 'must be below topology.layers');
    if (n1.index >= s.topology.width) fail('scenario.adversary.nMinusOne.index', 'must be below topology.width');
    if (n1.startS >= s.durationS) fail('scenario.adversary.nMinusOne.startS', 'must be below durationS');
  }
  for (const [i, u] of s.metrics.challengeSenders.entries()) {
    if (u >= s.users.count) fail(`scenario.metrics.challengeSenders.${i}`, 'must be a user index below users.count');
  }
  if (s.metrics.challengeSenders[0] === s.metrics.challengeSenders[1]) fail('scenario.metrics.challengeSenders', 'must name two different users');
  if (s.metrics.disclosure !== null && s.metrics.disclosure.target >= s.users.count) {
    fail('scenario.metrics.disclosure.target', 'must be a user index below users.count');
  }
  if (s.realTraffic.kind === 'trace') s.realTraffic.file = resolve(baseDir, s.realTraffic.file);
  return deepFreeze(s);
}

/** Reads and parses a scenario file. */
export function loadScenario(file: string): Readonly<Scenario> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ScenarioError(`${file}: cannot read (${(err as Error).message})`, 'io');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ScenarioError(`${file}: not JSON (${(err as Error).message})`, 'schema');
  }
  return parseScenario(json, dirname(resolve(file)));
}

/** Returns a copy of a scenario with dotted-path overrides applied (used by sweeps). */
export function withOverrides(base: unknown, overrides: Record<string, unknown>): Record<string, unknown> {
  const out = structuredClone(base) as Record<string, unknown>;
  for (const [path, value] of Object.entries(overrides)) {
    const keys = path.split('.');
    let o: Record<string, unknown> = out;
    for (const k of keys.slice(0, -1)) {
      if (o[k] === undefined || o[k] === null || typeof o[k] !== 'object') o[k] = {};
      o = o[k] as Record<string, unknown>;
    }
    o[keys[keys.length - 1]] = value;
  }
  return out;
}
