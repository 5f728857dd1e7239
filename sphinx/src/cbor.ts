// Minimal canonical CBOR (RFC 7049 §3.9 / RFC 8949 §4.2.3 "length-first" key order) for a flat map
// of text keys to unsigned integers and text strings: enough to hash a Geometry the way
// Katzenpost's geo.Geometry.Hash does (fxamacker/cbor CanonicalEncOptions over the struct).

function head(major: number, n: number): number[] {
  const m = major << 5;
  if (n < 24) return [m | n];
  if (n < 0x100) return [m | 24, n];
  if (n < 0x10000) return [m | 25, n >>> 8, n & 0xff];
  if (n <= 0xffffffff) return [m | 26, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
  throw new RangeError('cbor: integer too large');
}

function text(s: string): number[] {
  const b = new TextEncoder().encode(s);
  return [...head(3, b.length), ...b];
}

/** Encodes `{key: uint | text}` with canonical key order (shorter encoded key first, then bytewise). */
export function encodeCanonicalMap(entries: Readonly<Record<string, number | string>>): Uint8Array {
  const items = Object.entries(entries).map(([k, v]) => {
    const key = text(k);
    const value = typeof v === 'number' ? head(0, v) : text(v);
    return { key, value };
  });
  items.sort((a, b) => {
    if (a.key.length !== b.key.length) return a.key.length - b.key.length;
    for (let i = 0; i < a.key.length; i++) if (a.key[i] !== b.key[i]) return a.key[i] - b.key[i];
    return 0;
  });
  const out: number[] = [...head(5, items.length)];
  for (const it of items) out.push(...it.key, ...it.value);
  return Uint8Array.from(out);
}
