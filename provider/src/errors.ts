/**
 * Named error classes of the provider. Every class sets `name` and a stable `reason`
 * (snake_case) that doubles as the `reason` label on rejection metrics and as the
 * `reason` field of 4xx API bodies.
 */
export class ProviderError extends Error {
  override name = 'ProviderError';
  /** HTTP status used by the client API when this error reaches a route. */
  readonly status: number = 500;
  constructor(readonly reason: string, message: string) {
    super(message);
  }
}

/** A config file or object failed validation; `message` starts with the offending path. */
export class ProviderConfigError extends ProviderError {
  override name = 'ProviderConfigError';
  constructor(message: string) {
    super('invalid_config', message);
  }
}

/** An argument of the wrong type or length reached an exported function (see assert.ts). */
export class ProviderValidationError extends ProviderError {
  override name = 'ProviderValidationError';
  override readonly status = 400;
  constructor(reason: string, message: string) {
    super(reason, message);
  }
}

/** No dropbox exists for this alias (egress drop reason `unknown_alias`). */
export class UnknownAliasError extends ProviderError {
  override name = 'UnknownAliasError';
  override readonly status = 404;
  constructor() {
    super('unknown_alias', 'no dropbox is registered for this alias');
  }
}

/** The device is not registered under the account that owns the alias / the account is unknown. */
export class UnknownDeviceError extends ProviderError {
  override name = 'UnknownDeviceError';
  override readonly status = 403;
  constructor(reason: 'unknown_device' | 'unknown_account') {
    super(reason, reason === 'unknown_device'
      ? 'the device is not registered under the account that owns this alias'
      : 'no device is registered for this account yet');
  }
}

/** A quota was hit: `alias_quota` (messages per dropbox), `account_aliases`, `account_devices`, `surb_quota`. */
export class QuotaExceededError extends ProviderError {
  override name = 'QuotaExceededError';
  override readonly status = 429;
  constructor(reason: 'alias_quota' | 'accounts' | 'account_aliases' | 'account_devices' | 'account_link_keys' | 'surb_quota' | 'identities', limit: number) {
    super(reason, `quota exceeded (${reason}): limit is ${limit}`);
  }
}

/** The alias (or SURB id) is registered with a different key or owner, or the last device would be removed. */
export class ConflictError extends ProviderError {
  override name = 'ConflictError';
  override readonly status = 409;
  constructor(reason: 'alias_taken' | 'surb_id_taken' | 'last_device' | 'stale_statement', message: string) {
    super(reason, message);
  }
}

/**
 * A signed request was refused: `bad_signature`, `stale_timestamp` (outside the window, or older than
 * the process start), `replayed_nonce`.
 */
export class RequestAuthError extends ProviderError {
  override name = 'RequestAuthError';
  override readonly status = 401;
  constructor(reason: 'bad_signature' | 'stale_timestamp' | 'replayed_nonce', message: string) {
    super(reason, message);
  }
}

/** The replay cache is full: fail closed rather than forget nonces (503 on the API). */
export class ReplayCacheFullError extends ProviderError {
  override name = 'ReplayCacheFullError';
  override readonly status = 503;
  constructor(limit: number) {
    super('replay_cache_full', `replay cache holds its maximum of ${limit} nonces; retry later`);
  }
}

/** The store is closed or a commit failed; nothing was acknowledged. */
export class StoreUnavailableError extends ProviderError {
  override name = 'StoreUnavailableError';
  override readonly status = 503;
  constructor(reason: 'closed' | 'commit_failed', message: string) {
    super(reason, message);
  }
}

/** A binary structure (poll response) failed to decode. */
export class DecodeError extends ProviderError {
  override name = 'DecodeError';
  override readonly status = 400;
  constructor(message: string) {
    super('malformed', message);
  }
}

/** POST /v1/identities/lookup for a handle nobody published (404 unknown_identity, provider.md §10). */
export class UnknownIdentityError extends ProviderError {
  override name = 'UnknownIdentityError';
  override readonly status = 404;
  constructor() {
    super('unknown_identity', 'no identity is published under this handle');
  }
}

/** A first identity statement under a handle that is not the handle of its keys (403 handle_mismatch). */
export class HandleMismatchError extends ProviderError {
  override name = 'HandleMismatchError';
  override readonly status = 403;
  constructor() {
    super('handle_mismatch', 'the first statement under a handle must carry the keys the handle is derived from');
  }
}
