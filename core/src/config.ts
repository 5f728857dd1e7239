// Generic config loading for every daemon: JSON file → defaults merged in → validation with
// path-prefixed errors (`listen.port: must be an integer in [0, 65535]`) → deep-frozen object.
//
//   const cfg = loadConfigFile(file, DEFAULTS, (r) => ({
//     port: r.int('listen.port', { min: 0, max: 65535 }),
//     peers: r.array('peers', (p) => ({ url: p.string('url') })),
//   }));
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { assertString } from './assert.js';
import { fromHex } from './bytes.js';
import { ConfigError } from './errors.js';

export type DeepPartial<T> = T extends readonly (infer _U)[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;
export type DeepReadonly<T> = T extends Uint8Array ? T : T extends (infer U)[] ? readonly DeepReadonly<U>[] : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/** Deep-merges `raw` over `defaults`: objects merge key by key, arrays and scalars replace. */
export function mergeDefaults(defaults: unknown, raw: unknown): unknown {
  if (raw === undefined) return structuredClone(defaults);
  if (isPlainObject(defaults) && isPlainObject(raw)) {
    const out: Record<string, unknown> = {};
    for (const k of new Set([...Object.keys(defaults), ...Object.keys(raw)])) out[k] = mergeDefaults(defaults[k], raw[k]);
    return out;
  }
  return raw;
}

/** Freezes an object graph in place (Uint8Arrays excepted: they cannot be frozen). */
export function deepFreeze<T>(value: T): DeepReadonly<T> {
  if (typeof value === 'object' && value !== null && !(value instanceof Uint8Array) && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value as DeepReadonly<T>;
}

function join(prefix: string, key: string): string {
  if (key === '') return prefix;
  if (prefix === '') return key;
  return key.startsWith('[') ? `${prefix}${key}` : `${prefix}.${key}`;
}

/**
 * Typed, path-aware reads from an untrusted config tree. Every getter throws ConfigError whose
 * message starts with the full dotted path. Paths are relative to this reader's prefix.
 */
export class ConfigReader {
  constructor(
    private readonly root: unknown,
    readonly prefix = '',
    /** Directory relative paths are resolved against (the config file's folder). */
    readonly baseDir = process.cwd(),
  ) {}

  private fail(path: string, message: string): never {
    throw new ConfigError(join(this.prefix, path), message);
  }

  /** The raw value at `path` (undefined when absent). */
  raw(path: string): unknown {
    if (path === '') return this.root;
    let v: unknown = this.root;
    for (const part of path.split('.')) {
      if (!isPlainObject(v)) return undefined;
      v = v[part];
    }
    return v;
  }

  has(path: string): boolean {
    return this.raw(path) !== undefined;
  }

  /** A reader scoped at `path` (which must hold an object). */
  at(path: string): ConfigReader {
    this.object(path);
    return new ConfigReader(this.raw(path), join(this.prefix, path), this.baseDir);
  }

  /** Requires an object at `path`; with `allowedKeys`, rejects any other key (typos). */
  object(path: string, allowedKeys?: readonly string[]): Record<string, unknown> {
    const v = this.raw(path);
    if (!isPlainObject(v)) this.fail(path, 'must be an object');
    if (allowedKeys) {
      for (const k of Object.keys(v)) if (!allowedKeys.includes(k)) this.fail(join(path, k), 'unknown key');
    }
    return v;
  }

  string(path: string, options: { minLength?: number; maxLength?: number; pattern?: RegExp; patternHint?: string } = {}): string {
    const v = this.raw(path);
    if (typeof v !== 'string') this.fail(path, 'must be a string');
    if (v.length < (options.minLength ?? 1)) this.fail(path, 'must not be empty');
    if (options.maxLength !== undefined && v.length > options.maxLength) this.fail(path, `must be at most ${options.maxLength} characters`);
    if (options.pattern && !options.pattern.test(v)) this.fail(path, `must match ${options.patternHint ?? options.pattern}`);
    return v;
  }

  optionalString(path: string, options: Parameters<ConfigReader['string']>[1] = {}): string | undefined {
    return this.has(path) ? this.string(path, options) : undefined;
  }

  oneOf<T extends string>(path: string, allowed: readonly T[]): T {
    const v = this.raw(path);
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) this.fail(path, `must be one of ${allowed.join(', ')}`);
    return v as T;
  }

  int(path: string, options: { min?: number; max?: number } = {}): number {
    const v = this.raw(path);
    const min = options.min ?? Number.MIN_SAFE_INTEGER;
    const max = options.max ?? Number.MAX_SAFE_INTEGER;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) this.fail(path, `must be an integer in [${min}, ${max}]`);
    return v;
  }

  number(path: string, options: { min?: number; max?: number; exclusiveMin?: boolean } = {}): number {
    const v = this.raw(path);
    const min = options.min ?? -Infinity;
    const max = options.max ?? Infinity;
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(path, 'must be a finite number');
    if (options.exclusiveMin ? v <= min : v < min) this.fail(path, `must be ${options.exclusiveMin ? '>' : '≥'} ${min}`);
    if (v > max) this.fail(path, `must be ≤ ${max}`);
    return v;
  }

  bool(path: string): boolean {
    const v = this.raw(path);
    if (typeof v !== 'boolean') this.fail(path, 'must be true or false');
    return v;
  }

  /** Hex string of exactly `bytes` bytes, decoded. */
  hex(path: string, bytes: number): Uint8Array {
    const v = this.raw(path);
    if (typeof v !== 'string') this.fail(path, `must be a hex string of ${bytes} bytes`);
    try {
      return fromHex(v, bytes);
    } catch {
      this.fail(path, `must be a hex string of ${bytes} bytes`);
    }
  }

  /** A file-system path, resolved against the config file's directory. */
  path(path: string): string {
    const v = this.string(path);
    return isAbsolute(v) ? v : resolve(this.baseDir, v);
  }

  /** A URL with one of the given protocols (e.g. ['http:', 'https:']). */
  url(path: string, protocols: readonly string[]): string {
    const v = this.string(path);
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      this.fail(path, 'must be a URL');
    }
    if (!protocols.includes(u.protocol)) this.fail(path, `must use ${protocols.join(' or ')}`);
    return v;
  }

  /** An array whose items are read by `item` with a reader scoped at `path[i]`. */
  array<T>(path: string, item: (r: ConfigReader, index: number) => T, options: { minLength?: number; maxLength?: number } = {}): T[] {
    const v = this.raw(path);
    if (!Array.isArray(v)) this.fail(path, 'must be an array');
    if (v.length < (options.minLength ?? 0)) this.fail(path, `must hold at least ${options.minLength} items`);
    if (options.maxLength !== undefined && v.length > options.maxLength) this.fail(path, `must hold at most ${options.maxLength} items`);
    return v.map((x, i) => item(new ConfigReader({ v: x }, join(join(this.prefix, path), `[${i}]`), this.baseDir).scoped(), i));
  }

  private scoped(): ConfigReader {
    return new ConfigReader((this.root as { v: unknown }).v, this.prefix, this.baseDir);
  }

  /** Throws a ConfigError at `path` (for cross-field rules). */
  error(path: string, message: string): never {
    this.fail(path, message);
  }
}

/** Validates an in-memory config object: defaults → `validate` → deep-frozen result. */
export function parseConfig<T>(raw: unknown, defaults: unknown, validate: (r: ConfigReader) => T, baseDir?: string): DeepReadonly<T> {
  if (!isPlainObject(raw)) throw new ConfigError('', 'config must be a JSON object');
  return deepFreeze(validate(new ConfigReader(mergeDefaults(defaults, raw), '', baseDir)));
}

/** Reads a JSON config file and validates it (see parseConfig). Relative paths resolve against its folder. */
export function loadConfigFile<T>(file: string, defaults: unknown, validate: (r: ConfigReader) => T): DeepReadonly<T> {
  assertString('file', file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError('', `cannot read config file ${file}: ${(err as Error).message}`, { cause: err });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError('', `config file ${file} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  return parseConfig(raw, defaults, validate, dirname(resolve(file)));
}
