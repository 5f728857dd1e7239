/** Base class of every error this package throws on purpose. */
export class SphinxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SphinxError';
  }
}

/** Why a packet (or SURB, or reply payload) was refused. */
export type InvalidPacketReason =
  | 'length' // wrong size for the geometry
  | 'version' // unknown header AD / version bytes
  | 'geometry' // the input does not belong to this geometry (e.g. a NIKE key on a KEM geometry)
  | 'key' // X25519 with a low-order point or an all-zero result
  | 'mac' // header MAC mismatch
  | 'commands' // malformed or contradictory routing commands
  | 'payload' // payload zero tag wrong after decryption
  | 'replay'; // reserved for callers that check the replay tag

/** A hostile or corrupt packet. Never carries key, tag or payload bytes. */
export class InvalidPacketError extends SphinxError {
  readonly reason: InvalidPacketReason;
  constructor(reason: InvalidPacketReason, message: string) {
    super(`${reason}: ${message}`);
    this.name = 'InvalidPacketError';
    this.reason = reason;
  }
}

/** A caller passed an argument of the wrong type, length or range (a programming error). */
export class SphinxArgumentError extends SphinxError {
  readonly path: string;
  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = 'SphinxArgumentError';
    this.path = path;
  }
}
