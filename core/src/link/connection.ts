// An established link: fixed-size encrypted frames carrying one padded command each, lockstep
// rekeying per direction, backpressure on send and pause/resume on receive.
import { EventEmitter } from 'node:events';
import { AeadError, type CipherState } from './cipher-state.js';
import { decodeCommand, encodeCommandInto, type LinkCommand } from './commands.js';
import { commandBytesOf, FRAME_HEADER_BYTES, type LinkConfig } from './config.js';
import { CommandDecodeError, LinkError, type FrameRejectReason } from './errors.js';
import type { LinkCloseReason, LinkMetrics, LinkRole } from './metrics.js';
import type { StreamPort } from './stream-reader.js';
import { FrameRing, Slab } from './slab.js';

/**
 * Received commands and the frames of quiet links are carved from one process-wide slab (views
 * never overlap; JS runs one thread per isolate): one allocation per ~20 frames, and an idle link
 * holds no buffer of its own.
 */
const SHARED_SLAB = new Slab();
/** A link that has sent this many frames is busy: it gets a send ring of its own. */
const SEND_RING_AFTER_FRAMES = 1024;
/** Frames in a busy link's send ring (≈ 0.4 MiB with Sphinx-sized frames); beyond, the slab. */
const SEND_RING_FRAMES = 128;

const EMPTY = new Uint8Array(0);
/**
 * Frames written in one event-loop turn leave in one writev (cork, uncork on the next tick), but a
 * burst flushes every this many bytes, so queuedBytes/backpressure see what they saw before.
 */
const CORK_FLUSH_BYTES = 64 * 1024;
const REKEY: LinkCommand = Object.freeze({ kind: 'Rekey' });
const DISCONNECT: LinkCommand = Object.freeze({ kind: 'Disconnect' });

/** Payload of the 'close' event. */
export interface LinkCloseInfo {
  readonly reason: LinkCloseReason;
  /** Set when the close was caused by a rejected frame or a stream failure. */
  readonly error?: LinkError;
}

export interface LinkConnectionInit<P> {
  port: StreamPort;
  config: LinkConfig;
  metrics: LinkMetrics;
  role: LinkRole;
  send: CipherState;
  recv: CipherState;
  peerKey: Uint8Array;
  peer: P;
  handshakeHash: Uint8Array;
  /** Frames already sent / received under the current keys (the confirmation NoOp). */
  sentFrames: number;
  recvFrames: number;
}

export interface LinkConnectionEvents {
  command: [LinkCommand];
  close: [LinkCloseInfo];
}

/**
 * One authenticated link. Events: 'command' (every command except NoOp, Rekey and Disconnect,
 * which the link handles) and 'close' (once). There is no 'error' event: failures close the
 * link and arrive in the 'close' info, so a missing listener can never crash the process.
 * Commands start flowing on the next macrotask after the connection is handed out, so attach
 * listeners synchronously.
 */
export class LinkConnection<P = unknown> extends EventEmitter<LinkConnectionEvents> {
  /** The peer's authenticated static key. */
  readonly peerKey: Uint8Array;
  /** What authorize() returned for this peer (listener side), or the dial's `peer` option. */
  readonly peer: P;
  readonly role: LinkRole;
  /** Noise handshake hash: identical on both ends, usable as channel binding. */
  readonly handshakeHash: Uint8Array;

  private readonly port: StreamPort;
  private readonly config: LinkConfig;
  private readonly metrics: LinkMetrics;
  private readonly sendCipher: CipherState;
  private readonly recvCipher: CipherState;
  private readonly commandBytes: number;
  private sentUnderKey: number;
  private recvUnderKey: number;
  private started = false; // commands flow only after start()
  private paused = false; // pause()/resume() by the user
  private closedInfo: LinkCloseInfo | null = null;
  private drain: { promise: Promise<void>; resolve: () => void } | null = null;
  private rekeyTimer: NodeJS.Timeout | null = null;
  /** Zero-filled plaintext reused by send() (re-zeroed after each frame is sealed). */
  private readonly sendPlain: Uint8Array;
  /** Frames sealed so far (a busy link gets its own send ring after SEND_RING_AFTER_FRAMES). */
  private framesSent = 0;
  /** Set by reuseReceiveBuffer(): every command is decrypted into this one buffer. */
  private recvPlain: Uint8Array | null = null;
  /** Busy links: frames are sealed into slots of one buffer, each reused once the stream has written it. */
  private sendRing: FrameRing | null = null;
  private corkedBytes = 0;

  constructor(init: LinkConnectionInit<P>) {
    super();
    this.port = init.port;
    this.config = init.config;
    this.metrics = init.metrics;
    this.role = init.role;
    this.sendCipher = init.send;
    this.recvCipher = init.recv;
    this.peerKey = init.peerKey;
    this.peer = init.peer;
    this.handshakeHash = init.handshakeHash;
    this.sentUnderKey = init.sentFrames;
    this.recvUnderKey = init.recvFrames;
    this.commandBytes = commandBytesOf(init.config.frameBytes);
    this.sendPlain = new Uint8Array(this.commandBytes);
    const stream = this.port.stream;
    stream.pause(); // until start(): bytes wait in the transport, which pushes back on the peer
    stream.on('drain', () => this.releaseDrain());
    this.port.setListener(() => {
      if (this.port.closed) this.releaseDrain(); // nobody will drain a gone stream
      this.pump();
    });
    if (this.config.rekeyIntervalMs > 0) {
      this.rekeyTimer = setInterval(() => {
        if (this.closedInfo === null) this.writeRekey();
      }, this.config.rekeyIntervalMs);
      this.rekeyTimer.unref();
    }
    this.metrics.connectionOpened(this.role);
  }

  /** @internal Starts delivering commands (dialLink/the listener call it after handing the link out). */
  start(): void {
    if (this.started || this.closedInfo !== null) return;
    this.started = true;
    if (!this.paused) this.port.stream.resume();
    this.pump();
  }

  get closed(): boolean {
    return this.closedInfo !== null;
  }

  /** Bytes written but not yet taken by the transport. */
  get queuedBytes(): number {
    return this.port.stream.writableLength;
  }

  /** Wire bytes of every frame on this link. */
  get frameBytes(): number {
    return this.config.frameBytes;
  }

  /** Largest command (header + body) one frame carries. */
  get maxCommandBytes(): number {
    return this.commandBytes;
  }

  /**
   * Sends one command in one frame. Resolves at once while the transport is below its
   * high-water mark, else when it drains (or the link closes: watch 'close'). Rejects with
   * LinkError 'closed' or 'send_queue_full' (both counted) or 'command_too_large'.
   */
  send(cmd: LinkCommand): Promise<void> {
    let status: 'below' | 'above';
    try {
      status = this.sendNow(cmd);
    } catch (err) {
      return Promise.reject(err);
    }
    if (status === 'below' || this.closedInfo !== null) return Promise.resolve();
    return this.drainPromise();
  }

  /**
   * send() without a promise, for callers that send many packets and ignore backpressure beyond
   * the queue bound: 'below' / 'above' the transport's high-water mark after queueing the frame.
   * Throws LinkError 'closed' or 'send_queue_full' (both counted) or 'command_too_large'.
   */
  sendNow(cmd: LinkCommand): 'below' | 'above' {
    if (this.closedInfo !== null || this.port.closed) {
      // (The stream may be gone while a paused link still holds undelivered frames.)
      this.metrics.sendDropped('closed');
      throw new LinkError('closed', 'link is closed');
    }
    if (this.port.stream.writableLength + this.config.frameBytes > this.config.maxQueuedBytes) {
      this.metrics.sendDropped('send_queue_full');
      throw new LinkError('send_queue_full', `send queue holds ${this.port.stream.writableLength} bytes`);
    }
    const plaintext = this.sendPlain;
    let used: number;
    try {
      used = encodeCommandInto(cmd, plaintext);
    } catch (err) {
      plaintext.fill(0);
      throw err;
    }
    // Lockstep rekey: the rekeyAfterFrames-th frame under a key is always Rekey.
    if (this.sentUnderKey >= this.config.rekeyAfterFrames - 1) this.writeRekey();
    const below = this.writeFrame(plaintext);
    plaintext.fill(0, 0, used); // back to all zeros (the padding) for the next command
    return below ? 'below' : 'above';
  }

  /**
   * From now on every received command is decrypted into one buffer, reused for the next frame:
   * its byte fields (a SendPacket's packet, …) are valid only while the 'command' listeners run,
   * so every listener must copy what it keeps. Saves an allocation per frame on busy links.
   */
  reuseReceiveBuffer(): void {
    this.recvPlain ??= new Uint8Array(this.commandBytes);
  }

  /** Stops delivering commands (the transport then pushes back on the peer). */
  pause(): void {
    if (this.paused || this.closedInfo !== null) return;
    this.paused = true;
    this.port.stream.pause();
  }

  /** Resumes delivering commands. */
  resume(): void {
    if (!this.paused || this.closedInfo !== null) return;
    this.paused = false;
    if (!this.started) return;
    this.port.stream.resume();
    this.pump();
  }

  /**
   * Sends Disconnect and closes. Idempotent. The stream is ended (so the Disconnect is flushed)
   * and destroyed once the peer closes its side, or after handshakeTimeoutMs at the latest.
   */
  close(): void {
    if (this.closedInfo !== null) return;
    this.writeFrameOf(DISCONNECT);
    this.finish({ reason: 'local' }, false);
  }

  private writeFrameOf(cmd: LinkCommand): boolean {
    const plaintext = new Uint8Array(this.commandBytes);
    encodeCommandInto(cmd, plaintext);
    return this.writeFrame(plaintext);
  }

  private writeFrame(plaintext: Uint8Array): boolean {
    const frameBytes = this.config.frameBytes;
    if (this.sendRing === null && ++this.framesSent >= SEND_RING_AFTER_FRAMES) this.sendRing = new FrameRing(frameBytes, SEND_RING_FRAMES, SHARED_SLAB);
    const frame = this.sendRing === null ? SHARED_SLAB.take(frameBytes) : this.sendRing.take();
    frame[0] = (frameBytes - FRAME_HEADER_BYTES) >>> 8;
    frame[1] = (frameBytes - FRAME_HEADER_BYTES) & 0xff;
    // Seal straight into the frame (ciphertext‖tag fills it: commandBytes + 16 = frameBytes - 2).
    this.sendCipher.encryptWithAdInto(EMPTY, plaintext, frame.subarray(FRAME_HEADER_BYTES));
    this.sentUnderKey++;
    this.metrics.frame('send');
    const stream = this.port.stream;
    if (this.corkedBytes === 0) {
      stream.cork();
      process.nextTick(this.uncork);
    }
    const below = this.sendRing === null ? stream.write(frame) : stream.write(frame, this.sendRing.release);
    this.corkedBytes += frameBytes;
    if (this.corkedBytes >= CORK_FLUSH_BYTES) this.uncork();
    return below;
  }

  /** Lets the frames corked this turn go to the transport (one writev). */
  private readonly uncork = (): void => {
    if (this.corkedBytes === 0) return;
    this.corkedBytes = 0;
    this.port.stream.uncork();
  };

  private writeRekey(): void {
    this.writeFrameOf(REKEY);
    this.sendCipher.rekey(); // Noise §11.3: REKEY right after the frame that announces it
    this.sentUnderKey = 0;
    this.metrics.rekeyed('send');
  }

  private drainPromise(): Promise<void> {
    if (this.drain === null) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.drain = { promise, resolve };
    }
    return this.drain.promise;
  }

  private releaseDrain(): void {
    const d = this.drain;
    this.drain = null;
    d?.resolve();
  }

  private pump(): void {
    const reader = this.port.reader;
    const frameBytes = this.config.frameBytes;
    while (this.started && !this.paused && this.closedInfo === null) {
      const header = reader.peekU16();
      if (header === -1) break;
      if (header !== frameBytes - FRAME_HEADER_BYTES) {
        this.reject('bad_length', `frame header says ${header} bytes`);
        return;
      }
      const frame = reader.read(frameBytes);
      if (frame === null) break;
      let cmd: LinkCommand;
      try {
        const plaintext = this.recvPlain ?? SHARED_SLAB.take(this.commandBytes);
        this.recvCipher.decryptWithAdInto(EMPTY, frame.subarray(FRAME_HEADER_BYTES), plaintext);
        cmd = decodeCommand(plaintext);
      } catch (err) {
        if (err instanceof AeadError) this.reject('bad_mac', 'frame failed authentication');
        else if (err instanceof CommandDecodeError) this.reject(err.reason, err.message);
        else this.reject('bad_command', 'frame could not be processed');
        return;
      }
      this.metrics.frame('recv');
      this.recvUnderKey++;
      if (cmd.kind === 'Rekey') {
        this.recvCipher.rekey();
        this.recvUnderKey = 0;
        this.metrics.rekeyed('recv');
        continue;
      }
      if (this.recvUnderKey >= this.config.rekeyAfterFrames) {
        this.reject('rekey_overdue', `peer sent ${this.recvUnderKey} frames under one key`);
        return;
      }
      if (cmd.kind === 'NoOp') continue;
      if (cmd.kind === 'Disconnect') {
        this.finish({ reason: 'peer_disconnect' }, true);
        return;
      }
      this.emit('command', cmd);
    }
    // The stream is gone and every whole frame was delivered: a partial one can never complete.
    if (this.closedInfo === null && this.started && !this.paused && this.port.closed) this.finish({ reason: 'peer_closed' }, true);
  }

  private reject(reason: FrameRejectReason, message: string): void {
    this.metrics.frameRejected(reason);
    this.finish({ reason: 'frame_rejected', error: new LinkError(reason, message) }, true);
  }

  private finish(info: LinkCloseInfo, destroy: boolean): void {
    if (this.closedInfo !== null) return;
    this.closedInfo = info;
    this.uncork(); // frames written this turn (e.g. Disconnect) go out before end/destroy
    if (this.rekeyTimer !== null) clearInterval(this.rekeyTimer);
    this.rekeyTimer = null;
    this.port.discard();
    this.sendCipher.destroy();
    this.recvCipher.destroy();
    const stream = this.port.stream;
    if (destroy) {
      stream.destroy();
    } else {
      stream.end();
      // The peer closes on Disconnect; do not wait for it forever.
      setTimeout(() => stream.destroy(), this.config.handshakeTimeoutMs).unref();
    }
    this.releaseDrain();
    this.metrics.connectionClosed(info.reason);
    this.emit('close', info);
  }
}
