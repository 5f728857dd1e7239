// @strata/provider public API.
export * from './errors.js';
export * from './config.js';
export * from './message-key.js';
export * from './poll-response.js';
export * from './replay-cache.js';
export * from './request-signing.js';
export * from './group-commit.js';
export * from './dropbox-store.js';
export * from './surb-registry.js';
export * from './identity-registry.js';
export * from './metrics.js';
export * from './keys.js';
export * from './tls.js';
export * from './client-requests.js';
export { WELL_KNOWN_SIGNATURE_HEADER, buildClientApi, wellKnownSigningBytes, type ClientApiOptions, type WellKnownDocument } from './api.js';
export { buildAdminApi } from './admin.js';
export { Provider, type ProviderStartOptions } from './provider.js';
export { providerCommand } from './cli.js';
