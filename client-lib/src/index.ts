export {};
export * from './send-scheduler.js';
// Client core (secure store, identity, addresses, aliases, envelopes, fragments, contacts, outbox).
// The node:crypto backend is not re-exported here (it would tie this entry to Node): import it from
// '@strata/client-lib/crypto-node'.
export * from './errors.js';
export * from './crypto-backend.js';
export * from './secure-store.js';
export * from './identity.js';
export * from './address.js';
export * from './fingerprint.js';
export * from './aliases.js';
export * from './envelope.js';
export * from './fragment.js';
export * from './payload-budget.js';
export * from './contacts.js';
export * from './outbox.js';
export * from './delivered-log.js';
export * from './durable-reassembler.js';
// Network-facing client (round 2): packets, provider API, the Client and its CLI.
export * from './packets.js';
export * from './provider-requests.js';
export * from './provider-http.js';
export * from './client.js';
export * from './cli.js';
export * from './device-link.js';
