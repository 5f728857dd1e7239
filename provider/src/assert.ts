import { ProviderValidationError } from './errors.js';

/** The provider's one assert helper family, used at every exported boundary. */
export function assertBytes(what: string, value: unknown, length?: number): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new ProviderValidationError('bad_type', `${what}: must be a Uint8Array`);
  }
  if (length !== undefined && value.length !== length) {
    throw new ProviderValidationError('bad_length', `${what}: must be ${length} bytes, got ${value.length}`);
  }
}

export function assertInteger(what: string, value: unknown, min: number, max: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ProviderValidationError('bad_value', `${what}: must be an integer in [${min}, ${max}]`);
  }
}

export function assertArray(what: string, value: unknown, maxLength: number): asserts value is unknown[] {
  if (!Array.isArray(value) || value.length > maxLength) {
    throw new ProviderValidationError('bad_value', `${what}: must be an array of at most ${maxLength} items`);
  }
}
