import { untilStopSignal } from '@kingly/cmd';
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
  log(`kingly worker ${worker.id} on ${host}: queue '${queue}'${worker.hostQueue ? ` and '${worker.hostQueue}'` : ''}, concurrency ${concurrency}`);
  // Later signals are ignored: they must not kill the process before the jobs are cleaned up.
  const signal = await untilStopSignal({ ignoreLater: true });
  log(`kingly worker: ${signal}, stopping (${worker.running.size} running, grace ${worker.options.shutdownGraceMs}ms)`);
  await worker.close();
  log('kingly worker: stopped');
}
