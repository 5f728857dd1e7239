// Browser builds (package.json "browser" field) replace backend-native.js with this module, so
// that no node: import reaches a bundle.
import type { CryptoBackend } from './backend.js';
import { SphinxError } from './errors.js';

export function nativeBackend(_x25519?: 'auto' | 'libsodium' | 'openssl'): CryptoBackend {
  throw new SphinxError('the native backend needs node:crypto; use portableBackend() in browsers');
}
