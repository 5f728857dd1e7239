// Runs the XX handshake over a stream (both roles), with the timeout, the peer-key checks and the
// listener's confirmation frame. Handshake messages travel as u16be length || Noise message, with
// empty payloads, so each has one valid length (32, 96, 64 bytes).
//
//   dialer (initiator)                         listener (responder)
//   -> e                                 (34 B)
//                                        <- e, ee, s, es                   (98 B)
//   check s == expectedPeerKey, else close ('wrong_peer_key': our identity is never sent)
//   -> s, se                             (66 B)
//                                        authorize(s) or close ('unknown_peer')
//                                        <- first frame: NoOp (confirmation)  (frameBytes)
//   dialLink resolves only after the confirmation ('refused' if the link closes first).
import { AeadError } from './cipher-state.js';
import { CommandDecodeError, HandshakeError } from './errors.js';
import { decodeCommand } from './commands.js';
import { FRAME_HEADER_BYTES, linkPrologue, type LinkConfig } from './config.js';
import { XXHandshakeState, xxMessageBytes, type HandshakeResult } from './handshake-state.js';
import type { StreamPort } from './stream-reader.js';
import type { LinkKeyPair } from './x25519.js';

const EMPTY = new Uint8Array(0);

function frameMessage(message: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + message.length);
  out.writeUInt16BE(message.length, 0);
  out.set(message, FRAME_HEADER_BYTES);
  return out;
}

/**
 * Waits for one length-prefixed message of exactly `length` bytes. Rejects early on a wrong
 * length header or when the peer sends more than one message plus one frame ahead.
 */
function readExact(port: StreamPort, length: number, slackBytes: number, closedReason: 'closed' | 'refused'): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const reader = port.reader;
      const header = reader.peekU16();
      if (header !== -1 && header !== length) {
        port.setListener(null);
        reject(new HandshakeError('bad_handshake', `expected a ${length}-byte message, header says ${header}`));
      } else if (reader.length > FRAME_HEADER_BYTES + length + slackBytes) {
        port.setListener(null);
        reject(new HandshakeError('bad_handshake', 'peer sent data ahead of the handshake'));
      } else if (reader.length >= FRAME_HEADER_BYTES + length) {
        port.setListener(null);
        reader.read(FRAME_HEADER_BYTES);
        resolve(reader.read(length)!);
      } else if (port.closed) {
        port.setListener(null);
        reject(new HandshakeError(closedReason, 'stream closed during the handshake'));
      }
    };
    port.setListener(check);
    check();
  });
}

function write(port: StreamPort, bytes: Uint8Array): void {
  if (port.closed) throw new HandshakeError('closed', 'stream closed during the handshake');
  port.stream.write(bytes);
}

/** Outcome of a dialer handshake: transport ciphers, with the confirmation frame consumed. */
export type DialerHandshake = HandshakeResult;

/**
 * Initiator side. `expectedPeerKey` must equal the responder's static key (consensus or provider
 * registration); otherwise HandshakeError('wrong_peer_key') before our static key is sent.
 */
export async function runDialerHandshake(
  port: StreamPort,
  config: LinkConfig,
  staticKey: LinkKeyPair,
  expectedPeerKey: Uint8Array,
): Promise<DialerHandshake> {
  const hs = new XXHandshakeState({ role: 'initiator', prologue: linkPrologue(config), staticKey });
  write(port, frameMessage(hs.writeMessage(EMPTY)));
  hs.readMessage(await readExact(port, xxMessageBytes(1, 0), 0, 'closed'));
  // Noise §14 (identity hiding): XX lets us check the responder before revealing ourselves.
  if (!hs.remoteStaticKeyEquals(expectedPeerKey)) {
    throw new HandshakeError('wrong_peer_key', 'responder static key does not match the expected key');
  }
  write(port, frameMessage(hs.writeMessage(EMPTY)));
  const result = hs.split();
  // The listener confirms with one NoOp frame once authorize() accepted us.
  const frameLength = config.frameBytes - FRAME_HEADER_BYTES;
  // No bound on data behind it: the listener is authenticated and may send right after confirming.
  const frame = await readExact(port, frameLength, Infinity, 'refused');
  try {
    const cmd = decodeCommand(result.recv.decryptWithAd(EMPTY, frame));
    if (cmd.kind !== 'NoOp') throw new HandshakeError('bad_handshake', `confirmation frame is ${cmd.kind}, not NoOp`);
  } catch (err) {
    if (err instanceof AeadError || err instanceof CommandDecodeError) {
      throw new HandshakeError('bad_handshake', 'confirmation frame rejected', { cause: err });
    }
    throw err;
  }
  return result;
}

/** Responder side up to the peer's static key; the caller authorizes and confirms. */
export async function runListenerHandshake(
  port: StreamPort,
  config: LinkConfig,
  staticKey: LinkKeyPair,
): Promise<HandshakeResult> {
  const hs = new XXHandshakeState({ role: 'responder', prologue: linkPrologue(config), staticKey });
  hs.readMessage(await readExact(port, xxMessageBytes(0, 0), 0, 'closed'));
  write(port, frameMessage(hs.writeMessage(EMPTY)));
  hs.readMessage(await readExact(port, xxMessageBytes(2, 0), 0, 'closed'));
  return hs.split();
}

/** Runs `body` with a deadline; on expiry `onTimeout` runs and the promise rejects ('timeout'). */
export function withHandshakeTimeout<T>(ms: number, body: Promise<T>, onTimeout: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      onTimeout();
      reject(new HandshakeError('timeout', `handshake did not complete within ${ms} ms`));
    }, ms);
    body.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
