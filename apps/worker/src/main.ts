import { createWorker } from './create-worker.js';
import type { WorkerOptions } from './worker-options.js';

/**
 * Runs a worker until SIGTERM or SIGINT, then stops taking jobs, lets running ones finish within
 * the grace period, kills what is left and resolves. A second signal does not cut that short:
 * nothing may be orphaned.
 */
export async function runWorkerMain(options: WorkerOptions, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<void> {
  const worker = await createWorker({ log, ...options });
  const { queue, concurrency, host } = worker.options;
  log(`kingly worker ${worker.id} on ${host}: queue '${queue}', concurrency ${concurrency}`);
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      log(`kingly worker: ${signal}, stopping (${worker.running.size} running, grace ${worker.options.shutdownGraceMs}ms)`);
      process.removeListener('SIGTERM', onSignal);
      process.removeListener('SIGINT', onSignal);
      // Keep later signals from killing the process before the jobs are cleaned up.
      const ignore = (): void => {
        /* already stopping (see above) */
      };
      process.on('SIGTERM', ignore);
      process.on('SIGINT', ignore);
      resolve();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  await worker.close();
  log('kingly worker: stopped');
}
