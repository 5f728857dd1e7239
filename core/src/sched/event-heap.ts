/**
 * A binary min-heap of (time, payload) over typed arrays, ordered by time then by insertion order
 * (so equal times pop first-in first-out and runs are deterministic). No allocation per push/pop
 * except when the arrays double. Shared by {@link SystemClock}, {@link VirtualClock} and the simulator.
 */
export class EventHeap {
  private times: Float64Array;
  private seqs: Float64Array;
  private payloads: Int32Array;
  private n = 0;
  private nextSeq = 0;
  /** Time of the element most recently returned by {@link pop}. */
  lastTime = 0;

  constructor(initialCapacity = 1024) {
    const cap = Math.max(16, initialCapacity | 0);
    this.times = new Float64Array(cap);
    this.seqs = new Float64Array(cap);
    this.payloads = new Int32Array(cap);
  }

  get size(): number {
    return this.n;
  }

  /** Earliest time, or +Infinity when empty. */
  peekTime(): number {
    return this.n === 0 ? Infinity : this.times[0];
  }

  /** Payload of the earliest element (undefined behaviour when empty: check size first). */
  peekPayload(): number {
    return this.payloads[0];
  }

  push(time: number, payload: number): void {
    if (this.n === this.times.length) this.grow();
    const times = this.times;
    const seqs = this.seqs;
    const payloads = this.payloads;
    const seq = this.nextSeq++;
    let i = this.n++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = times[parent];
      if (pt < time || (pt === time && seqs[parent] < seq)) break;
      times[i] = pt;
      seqs[i] = seqs[parent];
      payloads[i] = payloads[parent];
      i = parent;
    }
    times[i] = time;
    seqs[i] = seq;
    payloads[i] = payload;
  }

  /** Removes the earliest element and returns its payload; its time is in {@link lastTime}. */
  pop(): number {
    const times = this.times;
    const seqs = this.seqs;
    const payloads = this.payloads;
    const top = payloads[0];
    this.lastTime = times[0];
    const n = --this.n;
    if (n > 0) {
      const t = times[n];
      const s = seqs[n];
      const p = payloads[n];
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        const r = c + 1;
        if (r < n && (times[r] < times[c] || (times[r] === times[c] && seqs[r] < seqs[c]))) c = r;
        if (times[c] > t || (times[c] === t && seqs[c] > s)) break;
        times[i] = times[c];
        seqs[i] = seqs[c];
        payloads[i] = payloads[c];
        i = c;
      }
      times[i] = t;
      seqs[i] = s;
      payloads[i] = p;
    }
    return top;
  }

  clear(): void {
    this.n = 0;
  }

  private grow(): void {
    const cap = this.times.length * 2;
    const t = new Float64Array(cap);
    t.set(this.times);
    const s = new Float64Array(cap);
    s.set(this.seqs);
    const p = new Int32Array(cap);
    p.set(this.payloads);
    this.times = t;
    this.seqs = s;
    this.payloads = p;
  }
}
