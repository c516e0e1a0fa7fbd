import type { Outcome, RestartPolicy } from '@kingly/cmd';

/** A run this long counts as healthy: the next crash starts the backoff over. */
export const HEALTHY_RUN_MS = 30_000;
const MAX_DELAY_MS = 30_000;

/**
 * Whether to start the command again after it ended on its own, and after how long: `policy`
 * decides, `maxRestarts` caps the total, the delay doubles after each quick crash (up to 30 s).
 */
export function restartDelay(
  policy: RestartPolicy | undefined,
  outcome: Outcome,
  restarts: number,
  quickCrashes: number,
): number | undefined {
  if (!policy || policy.policy === 'never') return undefined;
  if (outcome.state !== 'succeeded' && outcome.state !== 'failed') return undefined;
  if (policy.policy === 'on-failure' && outcome.state === 'succeeded') return undefined;
  if (restarts >= (policy.maxRestarts ?? 10)) return undefined;
  const base = policy.delayMs ?? 1000;
  return Math.min(Math.max(MAX_DELAY_MS, base), base * 2 ** Math.max(0, quickCrashes));
}
