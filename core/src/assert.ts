// The one assert helper of @strata/core: every exported function checks its inputs with these.
import { AssertionError } from './errors.js';

/** Throws AssertionError unless `value` is a Uint8Array (of exactly `length` bytes when given). */
export function assertBytes(name: string, value: unknown, length?: number): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new AssertionError(`${name}: expected Uint8Array`);
  if (length !== undefined && value.length !== length) {
    throw new AssertionError(`${name}: expected ${length} bytes, got ${value.length}`);
  }
}

/** Throws unless `value` is a safe integer in [min, max]. */
export function assertInt(name: string, value: unknown, min = 0, max = Number.MAX_SAFE_INTEGER): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new AssertionError(`${name}: expected an integer in [${min}, ${max}]`);
  }
}

/** Throws unless `value` is a finite number (not NaN or ±Infinity) that is ≥ min. */
export function assertFinite(name: string, value: unknown, min = -Infinity): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new AssertionError(`${name}: expected a finite number ≥ ${min}`);
  }
}

/** Throws unless `value` is a string (of at most `maxLength` UTF-16 units when given). */
export function assertString(name: string, value: unknown, maxLength?: number): asserts value is string {
  if (typeof value !== 'string') throw new AssertionError(`${name}: expected string`);
  if (maxLength !== undefined && value.length > maxLength) {
    throw new AssertionError(`${name}: longer than ${maxLength}`);
  }
}

/** Throws unless `value` is one of `allowed`. */
export function assertOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): asserts value is T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new AssertionError(`${name}: expected one of ${allowed.join(', ')}`);
  }
}

/** Throws unless `condition` holds. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}
