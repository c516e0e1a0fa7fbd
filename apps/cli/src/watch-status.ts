import { setTimeout as sleep } from 'node:timers/promises';
import type { KinglyClient } from '@kingly/cmd';
import { formatDuration } from '@kingly/cmd/lite';
import { interruptSignal } from './interrupt.js';
import { statusText } from './output/format-status.js';
import { write } from './output/write.js';

export interface WatchStatusOptions {
  /** Time between two refreshes, ms. */
  readonly intervalMs: number;
  /** One compact JSON report per line instead of text. @default false */
  readonly json?: boolean;
}

/** Clear the screen and put the cursor home: a terminal shows one report at a time. */
const REDRAW = '\x1b[H\x1b[2J';

/**
 * `kingly status --watch`: prints the report again and again until Ctrl-C, over one client. On a
 * terminal each report replaces the last; piped, reports follow each other (text ones apart by a
 * blank line, JSON ones one per line).
 */
export async function watchStatus(client: KinglyClient, options: WatchStatusOptions): Promise<void> {
  const interrupt = interruptSignal();
  const inPlace = process.stdout.isTTY === true && options.json !== true;
  try {
    for (let first = true; !interrupt.signal.aborted; first = false) {
      const report = await client.status();
      if (interrupt.signal.aborted) break;
      if (options.json) await write(process.stdout, `${JSON.stringify(report)}\n`);
      else if (inPlace) await write(process.stdout, `${REDRAW}${statusText(report)}\nevery ${formatDuration(options.intervalMs)}; Ctrl-C to stop\n`);
      else await write(process.stdout, `${first ? '' : '\n'}${new Date().toISOString()}\n${statusText(report)}`);
      await sleep(options.intervalMs, undefined, { signal: interrupt.signal }).catch(() => {
        /* Ctrl-C aborted the wait: the loop ends */
      });
    }
  } finally {
    interrupt.dispose();
  }
}
