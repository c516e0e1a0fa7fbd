import { readFile } from 'node:fs/promises';
import { badInput } from '@kingly/cmd/lite';

/** Reads all of standard input as text. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The commands of a `--from-file` text: one per line; blank lines and `#` comments skipped. */
export function parseCommandLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** `--from-file F` (`-` for standard input): its commands; none at all is an error. */
export async function readCommandFile(path: string): Promise<string[]> {
  let text: string;
  try {
    text = path === '-' ? await readStdin() : await readFile(path, 'utf8');
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw badInput(`--from-file: cannot read '${path}' (${why})`);
  }
  const commands = parseCommandLines(text);
  if (commands.length === 0) throw badInput(`--from-file: expected one command per line, got none in '${path}'`);
  return commands;
}
