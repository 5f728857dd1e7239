/** Growable Float64Array (amortised doubling), for per-message columns. */
export class F64Vec {
  data: Float64Array;
  length = 0;
  constructor(cap = 1024) {
    this.data = new Float64Array(cap);
  }
  push(x: number): number {
    if (this.length === this.data.length) {
      const d = new Float64Array(this.data.length * 2);
      d.set(this.data);
      this.data = d;
    }
    this.data[this.length] = x;
    return this.length++;
  }
  /** Copy of the used part, optionally only the given indices. */
  toArray(indices?: Int32Array): Float64Array {
    if (indices === undefined) return this.data.slice(0, this.length);
    const out = new Float64Array(indices.length);
    for (let i = 0; i < indices.length; i++) out[i] = this.data[indices[i]];
    return out;
  }
}

/** Growable Int32Array (amortised doubling), for event logs. */
export class I32Vec {
  data: Int32Array;
  length = 0;
  constructor(cap = 1024) {
    this.data = new Int32Array(cap);
  }
  push(x: number): number {
    if (this.length === this.data.length) {
      const d = new Int32Array(this.data.length * 2);
      d.set(this.data);
      this.data = d;
    }
    this.data[this.length] = x;
    return this.length++;
  }
  /** Copy of the used part. */
  toArray(): Int32Array {
    return this.data.slice(0, this.length);
  }
}
