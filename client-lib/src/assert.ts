// The one assert helper of @strata/client-lib, used at every exported boundary.
import { InvalidArgumentError } from './errors.js';

/** Throws InvalidArgumentError unless `value` is a Uint8Array (of exactly `length` bytes, if given). */
export function assertBytes(value: unknown, what: string, length?: number): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new InvalidArgumentError(`${what}: must be a Uint8Array`);
  if (length !== undefined && value.length !== length) {
    throw new InvalidArgumentError(`${what}: must be ${length} bytes, got ${value.length}`);
  }
}

/** Throws unless `value` is a Uint8Array whose length lies in [min, max]. */
export function assertBytesRange(value: unknown, what: string, min: number, max: number): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new InvalidArgumentError(`${what}: must be a Uint8Array`);
  if (value.length < min || value.length > max) {
    throw new InvalidArgumentError(`${what}: length must be in [${min}, ${max}], got ${value.length}`);
  }
}

/** Throws unless `value` is an integer in [min, max]. */
export function assertInt(value: unknown, what: string, min: number, max: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`${what}: must be an integer in [${min}, ${max}], got ${String(value)}`);
  }
}

/** Throws unless `value` is a finite number in [min, max]. */
export function assertNumber(value: unknown, what: string, min: number, max: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new InvalidArgumentError(`${what}: must be a number in [${min}, ${max}], got ${String(value)}`);
  }
}

/** Throws unless `value` is a string of at most `maxLength` characters (and at least `minLength`). */
export function assertString(value: unknown, what: string, maxLength: number, minLength = 0): asserts value is string {
  if (typeof value !== 'string') throw new InvalidArgumentError(`${what}: must be a string`);
  if (value.length < minLength || value.length > maxLength) {
    throw new InvalidArgumentError(`${what}: length must be in [${minLength}, ${maxLength}], got ${value.length}`);
  }
}
