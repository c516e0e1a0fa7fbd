import pc from 'picocolors';
import stringWidth from 'string-width';

/**
 * Whether to colour what goes to `stream`: never with NO_COLOR (any non-empty value, no-color.org),
 * always with FORCE_COLOR (but '0' or 'false'), else only on a terminal that is not 'dumb'.
 */
export function colourEnabled(stream: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') return true;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

type Colour = (text: string) => string;

let colours: ReturnType<typeof pc.createColors> | undefined;
/** picocolors for stdout, decided once per process. */
const stdoutColours = (): ReturnType<typeof pc.createColors> => (colours ??= pc.createColors(colourEnabled()));

/** The colour of each job state: green done, red failed in any way, yellow cancelled, cyan running. */
function colourOf(state: string): Colour {
  const c = stdoutColours();
  if (state === 'succeeded') return c.green;
  if (state === 'running') return c.cyan;
  if (state === 'queued' || state === 'retrying') return c.dim;
  if (state === 'cancelled') return c.yellow;
  if (state.startsWith('failed') || ['spawn-failed', 'timed-out', 'memory-limit', 'worker-lost'].includes(state)) return c.red;
  return (text) => text;
}

/** `text` (default: the state itself) in the state's colour, when stdout takes colour. */
export const paintState = (state: string, text: string = state): string => colourOf(state)(text);

/** Bold, for headers, when stdout takes colour. */
export const bold = (text: string): string => stdoutColours().bold(text);

const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/y;
const segmenter = new Intl.Segmenter();

/**
 * `line` cut to `width` terminal columns (wide characters and emoji count two, colour codes none),
 * ending with '…' when cut; colour is reset after a cut so it does not run on.
 */
export function fitWidth(line: string, width: number): string {
  if (stringWidth(line) <= width) return line;
  let out = '';
  let used = 0;
  for (let i = 0; i < line.length; ) {
    ANSI.lastIndex = i;
    const code = ANSI.exec(line);
    if (code) {
      out += code[0];
      i += code[0].length;
      continue;
    }
    const { segment } = segmenter.segment(line.slice(i, i + 8)).containing(0)!;
    const w = stringWidth(segment);
    if (used + w > width - 1) break;
    out += segment;
    used += w;
    i += segment.length;
  }
  return `${out}…${out.includes('\x1b[') ? '\x1b[0m' : ''}`;
}
