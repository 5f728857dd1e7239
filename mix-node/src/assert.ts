// The mix node's one assert helper, used at every exported boundary.
import { MixArgumentError } from './errors.js';

export function assertArg(condition: unknown, message: string): asserts condition {
  if (!condition) throw new MixArgumentError(message);
}

export function assertBytes(value: unknown, name: string, length?: number): asserts value is Uint8Array {
  assertArg(value instanceof Uint8Array, `${name}: must be a Uint8Array`);
  if (length !== undefined) {
    assertArg((value as Uint8Array).length === length, `${name}: must be ${length} bytes, got ${(value as Uint8Array).length}`);
  }
}

export function assertInt(value: unknown, name: string, min: number, max = Number.MAX_SAFE_INTEGER): asserts value is number {
  assertArg(Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max,
    `${name}: must be an integer in [${min}, ${max}]`);
}

export function assertFiniteNumber(value: unknown, name: string, min = -Infinity): asserts value is number {
  assertArg(typeof value === 'number' && Number.isFinite(value) && value >= min, `${name}: must be a finite number >= ${min}`);
}
