/** Control characters (C0 and DEL) and the backslash, which browsers read as a slash. */
const UNSAFE = /[\u0000-\u001f\u007f\\]/;
const BASE = 'http://kingly.invalid';

/**
 * Where to send the browser after login: a path on this server, or `/`. Refuses what a browser
 * could read as another host — `//x`, `/\x`, `/<tab>/x` (browsers drop tabs and newlines) — as
 * written and once more percent-decoded, and returns the path re-serialized by the URL parser,
 * so the Location header holds no raw control character and no character beyond ASCII.
 */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || !next.startsWith('/') || next.length > 2048) return '/';
  let decoded: string;
  try {
    decoded = decodeURIComponent(next);
  } catch {
    return '/';
  }
  for (const value of [next, decoded]) {
    if (UNSAFE.test(value) || value.startsWith('//')) return '/';
  }
  const url = new URL(next, BASE);
  if (url.origin !== BASE) return '/';
  const path = `${url.pathname}${url.search}${url.hash}`;
  return path.startsWith('/') && !path.startsWith('//') ? path : '/';
}
