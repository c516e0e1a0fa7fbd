import type { LogEntry } from '@kingly/cmd';
import { write } from './write.js';

export interface LogPrinterOptions {
  /** One JSON object per line on stdout instead of the lines themselves. @default false */
  readonly json?: boolean;
  /** Put before system lines (kingly's own notes in the log). @default "[kingly] " */
  readonly systemPrefix?: string;
  /** Put before every line, to tell jobs apart (`[name] `). @default "" */
  readonly linePrefix?: string;
  /** Fields put first in each JSON line (such as the job id). @default {} */
  readonly jsonFields?: Readonly<Record<string, string>>;
}

/** Flush when this much is waiting, even if more lines are coming. */
const FLUSH_BYTES = 64 * 1024;

/**
 * Prints log entries as `kingly run -f` and `kingly logs` show them: stdout lines on stdout,
 * stderr and system lines on stderr. Lines are gathered and written in runs, so 100,000 lines do
 * not cost 100,000 writes, and runs are written in order, so the two streams interleave as the
 * job wrote them.
 */
export class LogPrinter {
  readonly #json: boolean;
  readonly #systemPrefix: string;
  readonly #linePrefix: string;
  readonly #jsonFields: Readonly<Record<string, string>>;
  #target: NodeJS.WritableStream | undefined;
  #pending = '';
  #chain: Promise<void> = Promise.resolve();
  #scheduled = false;

  constructor(options: LogPrinterOptions = {}) {
    this.#json = options.json ?? false;
    this.#systemPrefix = options.systemPrefix ?? '[kingly] ';
    this.#linePrefix = options.linePrefix ?? '';
    this.#jsonFields = options.jsonFields ?? {};
  }

  /** Queues one entry; resolves at once unless output is backed up. */
  async add(entry: LogEntry): Promise<void> {
    const [target, text] = this.#format(entry);
    if (target !== this.#target) this.#flushPending();
    this.#target = target;
    this.#pending += text;
    if (this.#pending.length >= FLUSH_BYTES) {
      this.#flushPending();
      await this.#chain;
    } else if (!this.#scheduled) {
      // Write what has come once the reader waits for more (a live follower sees lines promptly).
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        this.#flushPending();
      });
    }
  }

  /** Writes everything queued. */
  async flush(): Promise<void> {
    this.#flushPending();
    await this.#chain;
  }

  #flushPending(): void {
    const target = this.#target;
    const text = this.#pending;
    this.#pending = '';
    if (!target || text === '') return;
    this.#chain = this.#chain.then(() => write(target, text));
  }

  #format(entry: LogEntry): [NodeJS.WritableStream, string] {
    if (this.#json) {
      const fields = { ...this.#jsonFields, id: entry.id, stream: entry.stream, line: entry.line, ts: new Date(entry.ts).toISOString() };
      return [process.stdout, `${JSON.stringify(fields)}\n`];
    }
    const prefix = this.#linePrefix;
    if (entry.stream === 'stdout') return [process.stdout, `${prefix}${entry.line}\n`];
    if (entry.stream === 'stderr') return [process.stderr, `${prefix}${entry.line}\n`];
    // Workers write their notes already marked "[kingly] …"; mark only the ones that are not.
    const marked = entry.line.startsWith(this.#systemPrefix.trimEnd()) ? entry.line : `${this.#systemPrefix}${entry.line}`;
    return [process.stderr, `${prefix}${marked}\n`];
  }
}
