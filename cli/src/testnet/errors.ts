// Typed errors of the local testnet orchestration (`strata testnet …`).
import { StrataError } from '@strata/core';

export type TestnetErrorReason =
  | 'running' // DIR already holds a running testnet
  | 'not-found' // DIR holds no testnet.json
  | 'manifest' // testnet.json is malformed
  | 'daemon-exited' // a daemon exited while we waited for it
  | 'timeout' // a readiness condition was not met in time
  | 'consensus' // the authorities serve different or unverifiable documents
  | 'daemon-missing' // a package's daemon entry point cannot be resolved
  | 'clients' // the demo clients cannot run on this testnet
  | 'node'; // no such node in the testnet, or it runs already

export class TestnetError extends StrataError {
  declare readonly reason: TestnetErrorReason;
  constructor(reason: TestnetErrorReason, message: string, options?: { cause?: unknown }) {
    super(reason, message, options);
    this.name = 'TestnetError';
  }
}
