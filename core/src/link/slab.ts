// Carves fixed-size views out of larger ArrayBuffers: one off-heap allocation (and one later free
// by the GC) per SLAB_BYTES instead of one per received frame. A view keeps its whole slab alive, so
// this suits buffers that are short-lived or copied on (a mix copies each packet into its worker
// batch in the same turn). Views never overlap and are plain Uint8Arrays (slice() copies).

/** Bytes per slab: about 20 Sphinx-sized frames. */
export const SLAB_BYTES = 64 * 1024;

export class Slab {
  private buf: ArrayBuffer | null = null;
  private used = 0;

  /** A zero-filled view of `bytes` bytes (its own ArrayBuffer when larger than half a slab). */
  take(bytes: number): Uint8Array {
    if (bytes > SLAB_BYTES / 2) return new Uint8Array(bytes);
    if (this.buf === null || this.used + bytes > SLAB_BYTES) {
      this.buf = new ArrayBuffer(SLAB_BYTES);
      this.used = 0;
    }
    const view = new Uint8Array(this.buf, this.used, bytes);
    this.used += bytes;
    return view;
  }
}

/**
 * Fixed-size frames in one reused buffer, for frames handed to a stream: take() a frame, write it
 * with `release` as the write callback; stream callbacks come in write order, so the oldest frame
 * is always the one freed. When every slot is in use, frames come from a Slab instead.
 */
export class FrameRing {
  private readonly ring: Uint8Array;
  private readonly slots: number;
  private next = 0;
  private inUse = 0;
  /** Per outstanding frame, oldest first from `head`: 1 = a ring slot, 0 = from the slab. */
  private kinds: Uint8Array = new Uint8Array(256);
  private head = 0;
  private tail = 0;

  /** `overflow`: where frames come from while every slot is in use (a process may share one). */
  constructor(
    readonly frameBytes: number,
    slots: number,
    private readonly overflow: Slab = new Slab(),
  ) {
    this.slots = slots;
    this.ring = new Uint8Array(frameBytes * slots);
  }

  /** A frame's bytes (not zeroed); it stays reserved until `release` runs for it. */
  take(): Uint8Array {
    const inRing = this.inUse < this.slots;
    this.remember(inRing ? 1 : 0);
    if (!inRing) return this.overflow.take(this.frameBytes);
    const at = this.next * this.frameBytes;
    this.next = (this.next + 1) % this.slots;
    this.inUse++;
    return this.ring.subarray(at, at + this.frameBytes);
  }

  /** Write callback: the oldest outstanding frame has been handed to the transport. */
  readonly release = (): void => {
    if (this.head === this.tail) return;
    const kind = this.kinds[this.head++ % this.kinds.length];
    if (kind === 1) this.inUse--;
  };

  private remember(kind: number): void {
    if (this.tail - this.head === this.kinds.length) {
      // Grow, keeping order (oldest first).
      const grown = new Uint8Array(this.kinds.length * 2);
      for (let i = 0; i < this.kinds.length; i++) grown[i] = this.kinds[(this.head + i) % this.kinds.length];
      this.tail -= this.head;
      this.head = 0;
      this.kinds = grown;
    }
    this.kinds[this.tail++ % this.kinds.length] = kind;
  }
}
