import { once } from 'node:events';

/** Writes text and waits when the stream asks to (a slow pipe must not make us buffer without end). */
export async function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  if (text === '') return;
  if (!stream.write(text)) await once(stream, 'drain');
}

/** Prints a value as indented JSON on stdout. */
export const printJson = (value: unknown): Promise<void> => write(process.stdout, `${JSON.stringify(value, null, 2)}\n`);

/** Prints lines on stdout. */
export const printLines = (...lines: string[]): Promise<void> => write(process.stdout, lines.map((l) => `${l}\n`).join(''));

/** Resolves once everything written to stdout and stderr has been handed to the OS. */
export function flushStdio(): Promise<void> {
  const flush = (stream: NodeJS.WriteStream): Promise<void> =>
    new Promise((resolve) => {
      if (stream.destroyed || stream.writableEnded) return resolve();
      stream.write('', () => resolve());
    });
  return Promise.all([flush(process.stdout), flush(process.stderr)]).then(() => undefined);
}
