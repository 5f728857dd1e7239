// @strata/cli: the `strata` command (bin.ts) and the local testnet orchestration.
export * from './testnet/index.js';
export { strataProgram } from './program.js';
