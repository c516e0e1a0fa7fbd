/** Signals that ask a long-running kingly process (worker, API) to stop. */
const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

export interface StopSignalOptions {
  /**
   * After the first signal, ignore later ones instead of leaving them to Node (which would kill
   * the process mid clean-up, orphaning what it was stopping). @default false
   */
  readonly ignoreLater?: boolean;
}

/** Resolves with the first SIGTERM or SIGINT the process gets. */
export function untilStopSignal(options: StopSignalOptions = {}): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      for (const name of STOP_SIGNALS) process.removeListener(name, onSignal);
      if (options.ignoreLater) {
        for (const name of STOP_SIGNALS) {
          process.on(name, () => {
            /* already stopping: see above */
          });
        }
      }
      resolve(signal);
    };
    for (const name of STOP_SIGNALS) process.on(name, onSignal);
  });
}
