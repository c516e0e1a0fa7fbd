/**
 * Redis refused a command to this connection's ACL user (NOPERM). Readers tidy indexes as they
 * read (expired ids out); a read-only user (docs/scaling.md's dashboard rules) cannot, so they
 * read around what they could not drop instead of failing.
 */
export const isNoPermission = (error: unknown): boolean =>
  // NOPERM for a command sent; from inside a script Redis 7.0 says "ERR The user executing the script can't run this command".
  error instanceof Error && /\bNOPERM\b|can't run this command|no permissions to/.test(error.message);
