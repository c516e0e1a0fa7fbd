/** Orders two Redis stream ids ("ms-seq"): negative, zero or positive as `a` is before, at or after `b`. */
export function compareStreamIds(a: string, b: string): number {
  const [aMs, aSeq] = split(a);
  const [bMs, bSeq] = split(b);
  // Both parts fit a double exactly (ms since 1970, sequence numbers far below 2^53).
  return aMs !== bMs ? aMs - bMs : aSeq - bSeq;
}

function split(id: string): [number, number] {
  const dash = id.indexOf('-');
  return dash < 0 ? [Number(id), 0] : [Number(id.slice(0, dash)), Number(id.slice(dash + 1))];
}
