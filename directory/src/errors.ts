import { StrataError } from '@strata/core';

/** A request the authority refuses: `status` is the HTTP 4xx, `reason` goes out as {error: reason}. */
export class RequestError extends StrataError {
  constructor(
    readonly status: number,
    reason: string,
    message: string,
  ) {
    super(reason, message);
    this.name = 'RequestError';
  }
}
