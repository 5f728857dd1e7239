// Node default: the native backend. (Browser builds map this module to the portable backend.)
import type { CryptoBackend } from './backend.js';
import { nativeBackend } from './backend-native.js';

export function defaultBackend(): CryptoBackend {
  return nativeBackend();
}
