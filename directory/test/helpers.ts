// Helpers for directory tests: polling on conditions (never fixed sleeps) and HTTP calls.
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 25_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export async function post(url: string, body: unknown, raw = false): Promise<{ status: number; json: { error?: string; message?: string; status?: string } }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: raw ? (body as string) : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as { error?: string } };
}

export async function getConsensus(base: string, epoch: number): Promise<unknown | undefined> {
  const res = await fetch(`${base}/v1/consensus/${epoch}`);
  if (res.status !== 200) {
    await res.body?.cancel();
    return undefined;
  }
  return res.json();
}
