import fc from 'fast-check';
import { MAX_ARG_BYTES } from '@kingly/cmd';

// Random job specs for the property tests at the edges (library, API): unicode edge cases, NUL,
// huge strings, odd env names and odd cwds. Commands finish at once (`true`, `echo`, `:`), and
// random text never reaches a shell unquoted: it rides in argv, env, or single quotes.

/** The property tests' seed: fixed so a failure replays; KINGLY_PROPERTY_SEED overrides it. */
export const PROPERTY_SEED = Number(process.env.KINGLY_PROPERTY_SEED ?? 20_261_130);

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));

/** Sizes around the per-string exec limit, and a mebibyte. */
const hugeText = fc
  .tuple(fc.constantFrom(1024, MAX_ARG_BYTES, MAX_ARG_BYTES + 1, 1 << 20), fc.constantFrom('x', '€', '😀'))
  .map(([bytes, unit]) => unit.repeat(Math.ceil(bytes / Buffer.byteLength(unit))));

/** Well-formed text from the odd corners of Unicode: emoji, combining marks, RTL, U+FFFF, BOM. */
const oddText = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 16 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 16 }).filter((t) => !t.includes('\0')) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '😀', '👩‍👩‍👧', 'e\u0301\u0301', '\u202eevil\u202c', 'שלום עולם', '\uffff', '\ufeff', ' ', '-n', '$(echo owned)', '%s%n',
      'line\nbreak', 'é'.normalize('NFD'), '\u{10ffff}',
    ),
  },
);

/** What no edge may let through: NUL, a lone surrogate, a string past the exec limit. */
const badText = fc.oneof(
  fc.constantFrom('\ud800', 'x\udfff', '\ud83d', '\0', 'a\0b', ''),
  fc.tuple(fc.string({ maxLength: 4 }), loneSurrogate, fc.string({ maxLength: 4 })).map((p) => p.join('')),
  hugeText,
);

/** Text a hostile or careless caller may send: mostly odd but fine, sometimes not. */
export const edgeText: fc.Arbitrary<string> = fc.oneof({ weight: 6, arbitrary: oddText }, { weight: 1, arbitrary: badText });

const envName = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,6}$/).filter((n) => !/^(PATH|HOME|SHELL|IFS|ENV|PS4|LD_\w*|KINGLY_\w*|NODE_\w*)$/.test(n)) },
  { weight: 1, arbitrary: fc.constantFrom('A=B', '1A', '', 'A\0', '\ud800', 'É', 'A-B', 'a b') },
  { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 8 }).filter((n) => !/^(PATH|HOME|SHELL|IFS|ENV|PS4|LD_\w*|KINGLY_\w*|NODE_\w*)$/.test(n)) },
);

const cwd = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('/tmp', '/') },
  { weight: 2, arbitrary: fc.constantFrom('/nonexistent/kingly-dir', '/etc/hostname', 'relative/dir', '/tmp\0x', '', '.') },
  { weight: 1, arbitrary: edgeText.map((t) => `/tmp/${t}`) },
);

/** Single-quoted for sh (a quote cannot appear inside): the text is data, never code. */
const quoted = (text: string): string => `'${text.replace(/'/g, '')}'`;

/** The command part of a spec: a shell string or argv, some carrying random text as data. */
const run = fc.oneof(
  fc.constantFrom({ command: 'true' }, { command: 'echo hi' }, { command: 'exit 3' }, { argv: ['true'] }),
  edgeText.map((t) => ({ argv: ['printf', '%s\\n', t] })),
  edgeText.map((t) => ({ command: `: ${quoted(t)}` })),
  fc.array(edgeText, { minLength: 1, maxLength: 12 }).map((items) => ({ argv: ['true', ...items] })),
);

/** A job spec: valid or not, with edge-case text anywhere a string goes. */
export const hostileSpec = fc
  .record(
    {
      run,
      cwd,
      env: fc.dictionary(envName, edgeText, { maxKeys: 3 }),
      name: edgeText,
      group: edgeText,
      tags: fc.array(edgeText, { maxLength: 3 }),
    },
    { requiredKeys: ['run'] },
  )
  .map(({ run: r, ...rest }) => ({ ...r, ...rest }) as Record<string, unknown>);

/** Every string in a spec, keys of env included. */
export function specStrings(spec: Record<string, unknown>): string[] {
  const out: string[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === 'string') out.push(value);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        out.push(k);
        walk(v);
      }
    }
  };
  walk(spec);
  return out;
}

/** A spec that no edge may accept: a NUL, a lone surrogate or a string over the exec limit. */
export function mustBeRefused(spec: Record<string, unknown>): boolean {
  return specStrings(spec).some((s) => s.includes('\0') || /\p{Surrogate}/u.test(s) || Buffer.byteLength(s) > MAX_ARG_BYTES);
}

/** The message names one of the spec's fields first: `name: …`, `argv[2]: …`, `env.FOO: …`. */
export const NAMES_A_FIELD = /^(command|argv|cwd|env|name|group|tags|spec)\b/;

/** Short text for a failure report (a spec may hold a mebibyte). */
export function describeSpec(spec: Record<string, unknown>): string {
  const text = JSON.stringify(spec, (_k, v: unknown) => (typeof v === 'string' && v.length > 40 ? `${v.slice(0, 20)}…(${v.length} chars)` : v));
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}
