// Named error classes of @strata/client-lib. Every class sets `name` (tests match on it) and, where a
// caller may branch on the cause, a `reason` string from a fixed set.

/** Base class: every error this package throws on purpose is a ClientLibError. */
export class ClientLibError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClientLibError';
  }
}

/** An argument at an exported boundary has the wrong type or length (a programming error). */
export class InvalidArgumentError extends ClientLibError {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidArgumentError';
  }
}

/** The store exists but the passphrase does not open it. Raised before any record is read. */
export class WrongPassphraseError extends ClientLibError {
  constructor() {
    super('the passphrase does not open this store');
    this.name = 'WrongPassphraseError';
  }
}

export type StoreErrorReason = 'missing' | 'bad-header' | 'unsupported-version' | 'corrupt-record' | 'closed' | 'exists';

/** The store's files are damaged, from an unknown version, or the store is used after close. */
export class SecureStoreError extends ClientLibError {
  readonly reason: StoreErrorReason;
  constructor(reason: StoreErrorReason, message: string) {
    super(message);
    this.name = 'SecureStoreError';
    this.reason = reason;
  }
}

export type AddressErrorReason = 'prefix' | 'charset' | 'checksum' | 'length' | 'version' | 'url' | 'key';

/** A shareable address string does not decode. */
export class AddressError extends ClientLibError {
  readonly reason: AddressErrorReason;
  constructor(reason: AddressErrorReason, message: string) {
    super(message);
    this.name = 'AddressError';
    this.reason = reason;
  }
}

export type EnvelopeErrorReason = 'length' | 'version' | 'decrypt' | 'signature' | 'body-length' | 'key';

/** An end-to-end envelope does not open (wrong recipient, tampered, forged or malformed). */
export class EnvelopeError extends ClientLibError {
  readonly reason: EnvelopeErrorReason;
  constructor(reason: EnvelopeErrorReason, message: string) {
    super(message);
    this.name = 'EnvelopeError';
    this.reason = reason;
  }
}

export type FragmentErrorReason =
  | 'length'
  | 'version'
  | 'checksum'
  | 'index'
  | 'inconsistent'
  | 'conflict'
  | 'too-large'
  | 'too-many-pending'
  | 'pending-bytes'
  | 'digest';

/** A fragment is malformed, inconsistent with its siblings, or would exceed a reassembly limit. */
export class FragmentError extends ClientLibError {
  readonly reason: FragmentErrorReason;
  constructor(reason: FragmentErrorReason, message: string) {
    super(message);
    this.name = 'FragmentError';
    this.reason = reason;
  }
}

export type ContactErrorReason = 'unknown' | 'exists' | 'self' | 'fingerprint' | 'no-key-change' | 'queue-full' | 'request-too-large';

/** A contact-book operation is refused. */
export class ContactError extends ClientLibError {
  readonly reason: ContactErrorReason;
  constructor(reason: ContactErrorReason, message: string) {
    super(message);
    this.name = 'ContactError';
    this.reason = reason;
  }
}

export type OutboxErrorReason = 'unknown-message' | 'unknown-fragment' | 'too-large' | 'empty' | 'corrupt';

/** An outbox operation names a message or fragment it does not hold, or the message is unacceptable. */
export class OutboxError extends ClientLibError {
  readonly reason: OutboxErrorReason;
  constructor(reason: OutboxErrorReason, message: string) {
    super(message);
    this.name = 'OutboxError';
    this.reason = reason;
  }
}

export type ProviderApiErrorReason = 'unreachable' | 'http' | 'bad-response' | 'bad-signature' | 'wrong-provider' | 'cert-changed' | 'too-large';

/**
 * A call to the provider's HTTPS API failed: transport, a 4xx/5xx answer (`status` and the
 * provider's own `providerReason`), a well-known document that does not verify, or a TLS
 * certificate other than the pinned one.
 */
export class ProviderApiError extends ClientLibError {
  readonly reason: ProviderApiErrorReason;
  readonly status: number | undefined;
  readonly providerReason: string | undefined;
  constructor(reason: ProviderApiErrorReason, message: string, status?: number, providerReason?: string) {
    super(message);
    this.name = 'ProviderApiError';
    this.reason = reason;
    this.status = status;
    this.providerReason = providerReason;
  }
}

export type ClientErrorReason = 'bad-link-code' | 'link-timeout' | 'already-initialised' | 'not-bootstrapped' | 'no-consensus' | 'no-route' | 'unknown-contact' | 'unknown-message' | 'closed' | 'bad-config';

/** The Client cannot do what was asked (no verified consensus yet, unknown contact, closed, …). */
export class ClientError extends ClientLibError {
  readonly reason: ClientErrorReason;
  constructor(reason: ClientErrorReason, message: string) {
    super(message);
    this.name = 'ClientError';
    this.reason = reason;
  }
}
