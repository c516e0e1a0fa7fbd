// A kingly worker in its own process, so its CPU and memory can be read from /proc and the
// benchmark's client work does not share its event loop. Options come as one JSON argument; the
// worker's home (worktrees, mirrors) is a private temp dir unless one is given, removed at the end.
// Sends {type: 'ready'} once it takes jobs; closes on {type: 'close'} or SIGTERM.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWorker } from '@kingly/worker';

const options = JSON.parse(process.argv[2] ?? '{}');
const home = options.home ?? mkdtempSync(join(tmpdir(), 'kingly-bench-home-'));
const worker = await createWorker({ ...options, home });

let closing;
const close = () => {
  closing ??= worker.close().then(
    () => {
      if (!options.home) rmSync(home, { recursive: true, force: true });
      process.exit(0);
    },
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
};
process.on('message', (m) => m?.type === 'close' && close());
process.on('SIGTERM', close);
process.on('disconnect', close);
process.send?.({ type: 'ready', pid: process.pid });
