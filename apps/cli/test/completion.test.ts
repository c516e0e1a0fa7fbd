import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir, uniqueName } from '@kingly/testing';
import { KINGLY_BIN, kingly, lines, workerForFile } from './helpers.js';

// Shell completion as bash runs it: the script from `kingly completion bash` is loaded, `complete -p`
// shows it registered, and a completion request (COMP_WORDS/COMP_CWORD, then the function) answers.
const { env } = workerForFile('completion', ['--concurrency', '4']);
const bin = tempDir('kingly-cli-completion-bin');
afterAll(() => bin.remove());
// `kingly` on PATH, as an installed one is.
writeFileSync(join(bin.path, 'kingly'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(KINGLY_BIN)} "$@"\n`);
chmodSync(join(bin.path, 'kingly'), 0o755);
const shellEnv = { ...env, PATH: `${bin.path}:${process.env.PATH}` };

/** What bash completes for `words` (the last one being typed). */
async function complete(...words: string[]): Promise<string[]> {
  const quoted = ['kingly', ...words].map((w) => `'${w}'`).join(' ');
  const script = `eval "$(kingly completion bash)"; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length}; _kingly; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const result = await execa('bash', ['--norc', '-c', script], { env: shellEnv, extendEnv: false, reject: false });
  expect(result.exitCode, result.stderr).toBe(0);
  return lines(result.stdout).filter((l) => l !== '');
}

describe('kingly completion', () => {
  it('bash: the script registers a completion function for kingly', async () => {
    const result = await execa('bash', ['--norc', '-c', 'eval "$(kingly completion bash)" && complete -p kingly'], { env: shellEnv, extendEnv: false, reject: false });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe('complete -o default -F _kingly kingly');
  });

  it('completes commands, subcommands and options', async () => {
    expect(await complete('lo')).toEqual(['logs']);
    expect(await complete('re')).toEqual(expect.arrayContaining(['restart', 'resume']));
    expect(await complete('dev', 'st')).toEqual(['start', 'stop', 'status']);
    expect(await complete('run', '--pri')).toEqual(['--priority']);
    expect(await complete('completion', '')).toEqual(['bash', 'zsh', 'fish']);
    expect(await complete('__comp')).toEqual([]);
  }, 60_000);

  it('completes job ids and names from Redis where a job goes', async () => {
    const name = uniqueName('nightly');
    const id = (await kingly(['run', '--name', name, 'true'], env)).stdout.trim();
    await kingly(['wait', id], env);
    expect(await complete('show', '')).toEqual(expect.arrayContaining([id, name]));
    expect(await complete('logs', name.slice(0, 9))).toContain(name);
    expect(await complete('run', '--after', id.slice(0, 6))).toContain(id);
    // Not where no job goes.
    expect(await complete('jobs', '')).toEqual([]);
  }, 60_000);

  it('prints zsh and fish scripts; refuses another shell', async () => {
    expect((await kingly(['completion', 'zsh'], env)).stdout).toContain('compdef _kingly kingly');
    expect((await kingly(['completion', 'fish'], env)).stdout).toContain("complete -c kingly -f -a '(kingly __complete -- ");
    const bad = await kingly(['completion', 'tcsh'], env);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain("expected one of bash, zsh, fish, got 'tcsh'");
  });
});
