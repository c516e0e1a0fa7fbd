import { mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fixture } from './fixtures.js';

/** A fixture agent installed as `claude` in a directory of its own, with the environment that puts it first on PATH. */
export interface FixtureAgent {
  /** The directory holding `claude`. */
  readonly binDir: string;
  /** Where the agent keeps its sessions (FIXTURE_AGENT_STATE). */
  readonly stateDir: string;
  /** Where each running agent leaves a file named by its pid (FIXTURE_AGENT_PID_DIR). */
  readonly pidDir: string;
  /** PATH with binDir first, and the two directories above: give it to the worker (jobs inherit it). */
  readonly env: Readonly<Record<string, string>>;
  /** Pids of the agents running now (their files; a killed agent's may stay: check with isAlive). */
  pids(): number[];
}

/**
 * Installs libs/testing/fixtures/claude-agent.js as `claude` under `dir`: it speaks Claude Code's
 * stream-json protocol (see the script's header for the prompt directives that shape its run).
 */
export function installFixtureAgent(dir: string): FixtureAgent {
  const binDir = join(dir, 'bin');
  const stateDir = join(dir, 'sessions');
  const pidDir = join(dir, 'pids');
  for (const d of [binDir, stateDir, pidDir]) mkdirSync(d, { recursive: true });
  symlinkSync(fixture('claude-agent.js'), join(binDir, 'claude'));
  return {
    binDir,
    stateDir,
    pidDir,
    env: { PATH: `${binDir}${delimiter}${process.env.PATH ?? ''}`, FIXTURE_AGENT_STATE: stateDir, FIXTURE_AGENT_PID_DIR: pidDir },
    pids: () => readdirSync(pidDir).map(Number).filter(Number.isInteger),
  };
}
