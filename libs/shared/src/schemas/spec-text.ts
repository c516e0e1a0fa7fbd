// What a string in a job spec may be: well-formed Unicode, no NUL byte, a bounded size. Every
// edge (library, API, CLI, the worker's re-parse of plain BullMQ data) goes through the job spec
// schema, so these checks are the one gate; each limit is here, once, with the reason for it.

/**
 * Longest command, argv item or `NAME=value` environment entry, in UTF-8 bytes. Linux refuses any
 * single exec string longer than MAX_ARG_STRLEN (32 pages, 128 KiB, counting its NUL), and
 * `sh -c <command>` passes the command as one such string.
 */
export const MAX_ARG_BYTES = 128 * 1024 - 1;

/**
 * Most bytes of command, argv and env together, counted as exec counts them (each string with
 * its NUL, plus an 8-byte pointer). Linux allows a quarter of the stack limit (2 MiB at the usual
 * 8 MiB) for all of argv and envp; the job's share is half of that, the worker's own environment
 * (merged under the job's) the other half.
 */
export const MAX_ARGV_ENV_TOTAL_BYTES = 1024 * 1024;

/** Longest path (cwd, a repository path or URL), in UTF-8 bytes: Linux's PATH_MAX. */
export const MAX_PATH_BYTES = 4096;

/** Longest name or group, in characters (UTF-16 units): labels people read in lists and on the page. */
export const MAX_LABEL_CHARS = 200;

/** Longest tag, in characters, and most tags per job: enough to filter by, small enough to list. */
export const MAX_TAG_CHARS = 100;
export const MAX_TAGS = 50;

/** Environment variable names as POSIX shells accept them (so no '=' and no NUL). */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

// With the u flag a pair is one code point, so only a lone surrogate matches (String#isWellFormed
// is not in the ES2023 lib this package compiles against).
const LONE_SURROGATE = /\p{Surrogate}/u;

/** Bytes exec spends on one string: its UTF-8, its NUL and its pointer. */
export const execBytes = (value: string): number => Buffer.byteLength(value, 'utf8') + 1 + 8;

/**
 * Why `value` cannot be a spec string (no NUL, well-formed, at most `maxBytes` UTF-8 bytes), or
 * undefined. The size comes last so a value with a NUL is named for the NUL.
 */
export function checkText(value: string, maxBytes: number): string | undefined {
  const nul = value.indexOf('\0');
  if (nul !== -1) return `contains a NUL byte (at index ${nul})`;
  const lone = LONE_SURROGATE.exec(value);
  if (lone) return `is not well-formed text (lone surrogate U+${lone[0].charCodeAt(0).toString(16).toUpperCase()} at index ${lone.index})`;
  // Cheap bound first: UTF-8 takes at most 3 bytes per UTF-16 unit.
  if (value.length * 3 > maxBytes) {
    const bytes = Buffer.byteLength(value, 'utf8');
    if (bytes > maxBytes) return `is ${bytes} bytes; the limit is ${maxBytes}`;
  }
  return undefined;
}

/**
 * A value taken from outside made safe to store and print: well-formed (lone surrogates become
 * U+FFFD) and at most `maxChars` long. For records of specs the schema refused.
 */
export function safeText(value: unknown, maxChars: number): string {
  const text = (typeof value === 'string' ? value : String(value)).replace(/\0/g, '\\0');
  const cut = text.length > maxChars ? `${text.slice(0, maxChars)}…` : text;
  return cut.replace(new RegExp(LONE_SURROGATE.source, 'gu'), '\ufffd');
}
