// The outcome as a plain BullMQ listener sees it: the completed job's `returnvalue` and the failed
// job's `failedReason` (BullMQ stores the thrown error's message and nothing else). Both carry the
// same JSON object, so a `QueueEvents` listener needs nothing from kingly; docs/protocol.md
// ("Outcomes for BullMQ listeners") describes it for programs in other languages.
import { TERMINAL_STATES, type JobState } from './job-states.js';
import type { JobRecord } from './schemas/job-record.js';

/** Version of the outcome object; a parser refuses any other. Raise it when a field changes meaning. */
export const OUTCOME_FORMAT_VERSION = 1;

export type TerminalState = Exclude<JobState, 'queued' | 'running'>;

/** One run's outcome, as the worker hands it to BullMQ. */
export interface OutcomeReport {
  /** The format's marker and version: always `1` today. */
  readonly kingly: typeof OUTCOME_FORMAT_VERSION;
  readonly state: TerminalState;
  /** The command's exit code, when it exited on its own. */
  readonly exitCode: number | null;
  /** The signal that ended it (`SIGTERM`…), when one did. */
  readonly signal: string | null;
  /** Why it ended so, when the state alone does not say (spawn error, limit, cancel). */
  readonly reason: string | null;
  readonly durationMs: number | null;
  readonly peakRssBytes: number | null;
  readonly cpuSeconds: number | null;
  /** This run's attempt, from 1. */
  readonly attempt: number;
  readonly attempts: number;
  /** BullMQ runs the job again (attempts remain): this is not the job's last outcome. */
  readonly retrying: boolean;
}

/** What outcomeReport reads from a job record. */
export type OutcomeSource = Pick<JobRecord, 'state' | 'exitCode' | 'signal' | 'reason' | 'durationMs' | 'peakRssBytes' | 'cpuSeconds' | 'attempt' | 'attempts'>;

/** The report of a finished run; throws on a record that is not terminal (a bug in the caller). */
export function outcomeReport(record: OutcomeSource, retrying = false): OutcomeReport {
  if (!TERMINAL_STATES.has(record.state)) throw new Error(`outcomeReport: state '${record.state}' is not terminal`);
  const { state, exitCode, signal, reason, durationMs, peakRssBytes, cpuSeconds, attempt, attempts } = record;
  return { kingly: OUTCOME_FORMAT_VERSION, state: state as TerminalState, exitCode, signal, reason, durationMs, peakRssBytes, cpuSeconds, attempt, attempts, retrying };
}

/**
 * The failed job's `failedReason`: a sentence for people (Bull Board shows it), one space, then the
 * report as JSON, e.g. `failed (exit code 3) {"kingly":1,"state":"failed","exitCode":3,…}`.
 */
export function outcomeFailedReason(report: OutcomeReport): string {
  const said = report.reason ?? `${report.state}${report.exitCode !== null ? ` (exit code ${report.exitCode})` : ''}`;
  return `${said} ${JSON.stringify(report)}`;
}

// JSON.stringify escapes every quote and newline inside a string value, so this text, with its
// quotes bare, can only start the report itself (the last one found is where the JSON begins) and
// the report ends at the line's end (an error's stack, as in BullMQ's `stacktrace`, goes on after it).
const MARKER = '{"kingly":';

/**
 * The outcome in a BullMQ job's `returnvalue` (object or JSON text), `failedReason` (text) or one of
 * its `stacktrace` entries (one per attempt);
 * `undefined` for anything else: a job a kingly worker did not end (BullMQ's own "job stalled more
 * than allowable limit" for a lost worker, another processor's value) or another format version.
 */
export function parseOutcome(value: unknown): OutcomeReport | undefined {
  if (typeof value === 'string') {
    const at = value.lastIndexOf(MARKER);
    if (at < 0) return undefined;
    try {
      const end = value.indexOf('\n', at);
      return parseOutcome(JSON.parse(value.slice(at, end < 0 ? undefined : end)));
    } catch {
      return undefined; // not JSON after the marker: not a report
    }
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const nullable = (key: string, type: 'number' | 'string'): boolean => v[key] === null || typeof v[key] === type;
  const ok =
    v.kingly === OUTCOME_FORMAT_VERSION &&
    typeof v.state === 'string' &&
    TERMINAL_STATES.has(v.state as JobState) &&
    nullable('exitCode', 'number') &&
    nullable('signal', 'string') &&
    nullable('reason', 'string') &&
    nullable('durationMs', 'number') &&
    nullable('peakRssBytes', 'number') &&
    nullable('cpuSeconds', 'number') &&
    typeof v.attempt === 'number' &&
    typeof v.attempts === 'number' &&
    typeof v.retrying === 'boolean';
  if (!ok) return undefined;
  return outcomeReport(v as unknown as OutcomeSource, v.retrying as boolean);
}
