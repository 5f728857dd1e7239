/**
 * Long-term statistical disclosure attack (Danezis 2003; Mathewson & Dingledine 2004). Time is cut
 * into rounds; the adversary marks the rounds in which the target sent, and compares the recipients
 * seen in those rounds with the background: v = mean(o | target sent) − mean(o | target silent). The
 * target's m contacts are identified once the m largest entries of v are exactly the contacts.
 *
 * Two views of the same run: *without cover* the adversary can tell real packets from cover (as if
 * cover were off: target rounds = rounds with a real send; observations = real deliveries); *with
 * cover* it cannot (target rounds = rounds with any send; observations = every delivery, drops
 * landing on random users and loops on their sender).
 */
export interface DisclosureInput {
  users: number;
  rounds: number;
  target: number;
  contacts: number[];
  real: Float64Array;
  all: Float64Array;
  aliceReal: Uint8Array;
  aliceAny: Uint8Array;
}

export interface DisclosureView {
  /** First round after which the estimate names exactly the contacts and never changes; null if never. */
  roundsToIdentify: number | null;
  /** Rounds in which the target was seen sending. */
  targetRounds: number;
}

export interface DisclosureResult {
  rounds: number;
  withoutCover: DisclosureView;
  withCover: DisclosureView;
}

function view(users: number, rounds: number, counts: Float64Array, alice: Uint8Array, contacts: number[]): DisclosureView {
  const sumA = new Float64Array(users);
  const sumB = new Float64Array(users);
  const sumAll = new Float64Array(users);
  let nA = 0;
  let nB = 0;
  const m = contacts.length;
  const truth = new Set(contacts);
  let stableFrom: number | null = null;
  const v = new Float64Array(users);
  for (let r = 0; r < rounds; r++) {
    const row = r * users;
    const target = alice[r] === 1;
    if (target) nA++;
    else nB++;
    for (let u = 0; u < users; u++) {
      const c = counts[row + u];
      sumAll[u] += c;
      if (target) sumA[u] += c;
      else sumB[u] += c;
    }
    let ok = false;
    if (nA > 0) {
      // Background from silent rounds when there are any, else from all rounds (cover: every round is a target round).
      for (let u = 0; u < users; u++) v[u] = sumA[u] / nA - (nB > 0 ? sumB[u] / nB : sumAll[u] / (nA + nB));
      ok = topMatches(v, m, truth);
    }
    if (ok) {
      if (stableFrom === null) stableFrom = r + 1;
    } else stableFrom = null;
  }
  return { roundsToIdentify: stableFrom, targetRounds: nA };
}

/** True when the m largest entries of v (ties broken by index) are exactly `truth`. */
function topMatches(v: Float64Array, m: number, truth: Set<number>): boolean {
  // The m-th largest value among the contacts must beat every non-contact.
  let minContact = Infinity;
  for (const c of truth) if (v[c] < minContact) minContact = v[c];
  for (let u = 0; u < v.length; u++) if (!truth.has(u) && v[u] >= minContact) return false;
  return m === truth.size;
}

export function analyseDisclosure(inp: DisclosureInput): DisclosureResult {
  return {
    rounds: inp.rounds,
    withoutCover: view(inp.users, inp.rounds, inp.real, inp.aliceReal, inp.contacts),
    withCover: view(inp.users, inp.rounds, inp.all, inp.aliceAny, inp.contacts),
  };
}
