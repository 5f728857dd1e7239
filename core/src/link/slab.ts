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
