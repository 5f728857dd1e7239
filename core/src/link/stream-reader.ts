// Accumulates chunks from a byte stream and hands out exact-length reads, without copying
// when a read falls inside one chunk.

export class StreamReader {
  private chunks: Buffer[] = [];
  private head = 0; // offset into chunks[0]
  private total = 0;

  /** Bytes buffered and not yet read. */
  get length(): number {
    return this.total;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    this.total += chunk.length;
  }

  /** Reads a u16be without consuming it, or -1 when fewer than 2 bytes are buffered. */
  peekU16(): number {
    if (this.total < 2) return -1;
    const first = this.chunks[0];
    if (first.length - this.head >= 2) return first.readUInt16BE(this.head);
    return (first[this.head] << 8) | this.chunks[1][0];
  }

  /** Consumes exactly n bytes, or returns null (consuming nothing) when fewer are buffered. */
  read(n: number): Buffer | null {
    if (n > this.total) return null;
    this.total -= n;
    const first = this.chunks[0];
    if (first !== undefined && first.length - this.head >= n) {
      const out = first.subarray(this.head, this.head + n);
      this.head += n;
      if (this.head === first.length) {
        this.chunks.shift();
        this.head = 0;
      }
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let o = 0;
    while (o < n) {
      const c = this.chunks[0];
      const take = Math.min(n - o, c.length - this.head);
      c.copy(out, o, this.head, this.head + take);
      o += take;
      this.head += take;
      if (this.head === c.length) {
        this.chunks.shift();
        this.head = 0;
      }
    }
    return out;
  }

  clear(): void {
    this.chunks = [];
    this.head = 0;
    this.total = 0;
  }
}

/**
 * A stream with its reader: every chunk goes into `reader`, then the current listener is told.
 * `closed` turns true when the stream ends, errors or closes. Used by the handshake, then by the
 * connection, so no byte is lost between the two.
 */
export class StreamPort {
  readonly reader = new StreamReader();
  closed = false;
  private listener: (() => void) | null = null;

  constructor(readonly stream: import('node:stream').Duplex) {
    stream.on('data', (chunk: Buffer) => {
      if (this.discarding) return;
      this.reader.push(chunk);
      this.listener?.();
    });
    const onGone = (): void => {
      if (this.closed) return;
      this.closed = true;
      this.listener?.();
    };
    stream.on('end', onGone);
    stream.on('close', onGone);
    stream.on('error', onGone);
  }

  setListener(listener: (() => void) | null): void {
    this.listener = listener;
  }

  /** From now on, drops incoming bytes but keeps reading, so the peer's end of stream is seen. */
  discard(): void {
    this.discarding = true;
    this.listener = null;
    this.reader.clear();
    this.stream.resume();
  }

  private discarding = false;
}
