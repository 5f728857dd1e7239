import { SchedArgumentError } from './errors.js';

/** The one assert helper of core/sched: checks a number argument at an exported boundary. */
export function assertNumber(
  value: unknown,
  what: string,
  opts: { min?: number; max?: number; integer?: boolean; minExclusive?: boolean } = {},
): asserts value is number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new SchedArgumentError(`${what}: must be a number`, 'type');
  }
  if (opts.integer === true && !Number.isInteger(value)) {
    throw new SchedArgumentError(`${what}: must be an integer`, 'integer');
  }
  if (opts.min !== undefined) {
    if (opts.minExclusive === true ? !(value > opts.min) : !(value >= opts.min)) {
      throw new SchedArgumentError(
        `${what}: must be ${opts.minExclusive === true ? '>' : '>='} ${opts.min}`,
        'range',
      );
    }
  }
  if (opts.max !== undefined && !(value <= opts.max)) {
    throw new SchedArgumentError(`${what}: must be <= ${opts.max}`, 'range');
  }
}

export function assertFunction(value: unknown, what: string): asserts value is (...args: never[]) => unknown {
  if (typeof value !== 'function') throw new SchedArgumentError(`${what}: must be a function`, 'type');
}
