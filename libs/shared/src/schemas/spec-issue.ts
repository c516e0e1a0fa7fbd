import type { z } from 'zod';

/** Longest key shown in a field path; a hostile key may be a megabyte. */
const MAX_KEY_SHOWN = 40;

/**
 * A field path as people write it: `name`, `argv[2]`, `env.FOO`, `worktree.repo`; a key that is
 * not an identifier is quoted and escaped (`env["A=B"]`), so a NUL or lone surrogate in it never
 * reaches a terminal or a log raw.
 */
export function formatFieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else {
      const key = String(segment);
      const shown = key.length > MAX_KEY_SHOWN ? `${key.slice(0, MAX_KEY_SHOWN)}…` : key;
      out += `[${JSON.stringify(shown)}]`;
    }
  }
  return out === '' ? 'spec' : out;
}

/** One schema issue as `field: what is wrong`. */
export function describeSpecIssue(issue: z.core.$ZodIssue): string {
  const field = formatFieldPath(issue.path);
  if (issue.code === 'invalid_key' && issue.path[0] === 'env') {
    return `${field}: is not an environment variable name (letters, digits and '_', not starting with a digit)`;
  }
  return `${field}: ${issue.message}`;
}
