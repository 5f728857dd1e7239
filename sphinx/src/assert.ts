// The package's single assert helper: every exported function checks its inputs through these.
import { SphinxArgumentError } from './errors.js';

export function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array || (ArrayBuffer.isView(value) && value.constructor.name === 'Uint8Array');
}

/** Asserts `value` is a Uint8Array, optionally of an exact length. */
export function assertBytes(value: unknown, path: string, length?: number): asserts value is Uint8Array {
  if (!isBytes(value)) throw new SphinxArgumentError(path, 'must be a Uint8Array');
  if (length !== undefined && value.length !== length) {
    throw new SphinxArgumentError(path, `must be ${length} bytes, got ${value.length}`);
  }
}

/** Asserts an integer in [min, max]. */
export function assertInt(value: unknown, path: string, min: number, max: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new SphinxArgumentError(path, `must be an integer in [${min}, ${max}]`);
  }
}

export function assertArray(value: unknown, path: string, minLength: number, maxLength: number): asserts value is readonly unknown[] {
  if (!Array.isArray(value)) throw new SphinxArgumentError(path, 'must be an array');
  if (value.length < minLength || value.length > maxLength) {
    throw new SphinxArgumentError(path, `must have between ${minLength} and ${maxLength} entries, got ${value.length}`);
  }
}

export function assertObject(value: unknown, path: string): asserts value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) throw new SphinxArgumentError(path, 'must be an object');
}

export function assertCondition(ok: boolean, path: string, message: string): asserts ok {
  if (!ok) throw new SphinxArgumentError(path, message);
}
