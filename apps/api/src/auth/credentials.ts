import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Name of the httpOnly cookie that holds a login session. */
export const SESSION_COOKIE = 'kingly_session';

/** Compares two secrets in constant time (hashing first, so their lengths leak nothing either). */
export function tokensEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

/**
 * Stateless session cookies: `<expiry ms>.<HMAC of the expiry>`, keyed by the API token and a
 * per-app secret, so a session ends when it expires, the token changes or the secret does.
 */
export class SessionSigner {
  readonly #key: Buffer;
  readonly ttlMs: number;

  constructor(token: string, secret: string, ttlMs: number) {
    this.#key = createHmac('sha256', secret).update(`kingly-session:${token}`).digest();
    this.ttlMs = ttlMs;
  }

  issue(now: number = Date.now()): string {
    const expires = now + this.ttlMs;
    return `${expires}.${this.#sign(expires)}`;
  }

  verify(value: string | undefined, now: number = Date.now()): boolean {
    const match = value ? /^(\d{1,16})\.([A-Za-z0-9_-]{43})$/.exec(value) : null;
    if (!match) return false;
    const expires = Number(match[1]);
    if (!(expires > now)) return false;
    const expected = Buffer.from(this.#sign(expires));
    const given = Buffer.from(match[2]!);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  #sign(expires: number): string {
    return createHmac('sha256', this.#key).update(`v1:${expires}`).digest('base64url');
  }
}
