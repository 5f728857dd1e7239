// Typed error base classes shared by every Strata daemon and library.
// Each class sets `name` (tests assert on it) and, where useful, a machine-readable `reason`.

/** Base of every error Strata throws on purpose. `reason` is a short kebab-case tag. */
export class StrataError extends Error {
  readonly reason: string;
  constructor(reason: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StrataError';
    this.reason = reason;
  }
}

/** A configuration value is missing or invalid; `path` is the dotted path (`listen.port`). */
export class ConfigError extends StrataError {
  readonly path: string;
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super('config', path === '' ? message : `${path}: ${message}`, options);
    this.name = 'ConfigError';
    this.path = path;
  }
}

/** An argument at an exported boundary has the wrong type or length (a programming error). */
export class AssertionError extends StrataError {
  constructor(message: string) {
    super('assertion', message);
    this.name = 'AssertionError';
  }
}

/** A byte string could not be decoded (truncated, trailing bytes, out-of-range field, ...). */
export class DecodeError extends StrataError {
  constructor(message: string) {
    super('encoding', message);
    this.name = 'DecodeError';
  }
}

/** Reasons a key or key file is rejected. */
export type KeyErrorReason = 'encoding' | 'type' | 'permissions' | 'exists' | 'missing' | 'weak';

/** A key or key file is unusable. */
export class KeyError extends StrataError {
  declare readonly reason: KeyErrorReason;
  constructor(reason: KeyErrorReason, message: string, options?: { cause?: unknown }) {
    super(reason, message, options);
    this.name = 'KeyError';
  }
}

/** Reasons a descriptor is rejected. */
export type DescriptorErrorReason =
  | 'encoding'
  | 'signature'
  | 'node-id'
  | 'epoch'
  | 'keys'
  | 'address'
  | 'role'
  | 'not-allowed';

/** A node descriptor failed decoding or validation. */
export class DescriptorError extends StrataError {
  declare readonly reason: DescriptorErrorReason;
  constructor(reason: DescriptorErrorReason, message: string) {
    super(reason, message);
    this.name = 'DescriptorError';
  }
}

/** Reasons a consensus document is rejected. */
export type ConsensusErrorReason =
  | 'encoding'
  | 'signature'
  | 'unknown-signer'
  | 'threshold'
  | 'epoch'
  | 'geometry'
  | 'layers'
  | 'unavailable';

/** A consensus document failed decoding, verification, or could not be obtained. */
export class ConsensusError extends StrataError {
  declare readonly reason: ConsensusErrorReason;
  constructor(reason: ConsensusErrorReason, message: string, options?: { cause?: unknown }) {
    super(reason, message, options);
    this.name = 'ConsensusError';
  }
}
