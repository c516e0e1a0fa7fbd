import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, makeRepo, tempDir } from '@kingly/testing';
import { buildProgram } from '../src/program.js';
import { runGrammar } from '../src/run-grammar.js';
import { kingly, lines, workerForFile } from './helpers.js';

// The seed's own command forms, kingly's options AFTER a one-argument command, through the built
// binary with a real npm project (its dev and test scripts) that is also a git repository.
const { env } = workerForFile('grammar', ['--concurrency', '4']);

interface Shown {
  id: string;
  state: string;
  exitCode: number | null;
  command: string;
  group: string | null;
  name: string;
  worktreePath: string | null;
}

const show = async (id: string): Promise<Shown> => {
  const result = await kingly(['show', '--json', id], env);
  expect(result.exitCode, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Shown;
};

describe("the seed's forms: options after a one-argument command are kingly's", () => {
  let tmp: { path: string; remove: () => void };
  let project: string;

  beforeAll(() => {
    tmp = tempDir('kingly-cli-grammar');
    project = join(tmp.path, 'project');
    const repo = makeRepo(project);
    repo.commit('a project with dev and test scripts and a build script', {
      'package.json': JSON.stringify({ name: 'fixture', version: '1.0.0', private: true, scripts: { dev: 'echo dev-server-up', test: 'echo tests-pass' } }),
      build: '#!/bin/sh\necho "built in $PWD"\n',
    });
    chmodSync(join(project, 'build'), 0o755);
    git(project, 'update-index', '--chmod=+x', 'build');
    repo.commit('build is executable', {});
  });
  afterAll(() => tmp.remove());

  it('kingly run "npm run dev" --monitor follows the one command', async () => {
    const result = await kingly(['run', 'npm run dev', '--monitor'], env, { cwd: project });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(lines(result.stdout)).toContain('dev-server-up');
    expect(result.stderr).not.toContain('warning');
  });

  it('kingly run "npm test" --parallel is a group of one running "npm test"', async () => {
    const result = await kingly(['run', 'npm test', '--parallel', '--json'], env, { cwd: project });
    expect(result.exitCode, result.stderr).toBe(0);
    const { group, ids } = JSON.parse(result.stdout) as { group: string; ids: string[] };
    expect(ids).toHaveLength(1);
    expect(group).toMatch(/^g-/);
    expect((await kingly(['wait', '--group', group], env)).exitCode).toBe(0);
    expect(await show(ids[0]!)).toMatchObject({ command: 'npm test', group, state: 'succeeded' });
    expect((await kingly(['logs', ids[0]!], env)).stdout).toContain('tests-pass');
  });

  it('kingly run build --git-worktree runs ./build in a fresh worktree (options after the one word)', async () => {
    const result = await kingly(['run', 'build', '--git-worktree', '-f', '--env', `PATH=.:${process.env.PATH}`, '--json'], env, { cwd: project });
    expect(result.exitCode, result.stderr).toBe(0);
    const [first, ...rest] = lines(result.stdout);
    const { id } = JSON.parse(first!) as { id: string };
    expect(rest.join('\n')).toMatch(/built in .*\/worktrees\//);
    expect(await show(id)).toMatchObject({ command: 'build', state: 'succeeded' });
  });

  it('several words stay the command, with one warning line naming the kingly-looking option', async () => {
    const result = await kingly(['run', '-f', 'echo', 'a', '--name', 'b'], env);
    expect(result.stdout).toBe('a --name b\n');
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toMatch(/^kingly: warning: '--name' is part of the command 'echo a --name b'/);
    // Silenced by the flag (before the command) or the environment.
    const flag = await kingly(['run', '-f', '--no-option-warning', 'echo', 'a', '--name', 'b'], env);
    expect(flag.stdout).toBe('a --name b\n');
    expect(flag.stderr).toBe('');
    const quiet = await kingly(['run', '-f', 'echo', 'a', '--parallel'], { ...env, KINGLY_NO_OPTION_WARNING: '1' });
    expect(quiet.stdout).toBe('a --parallel\n');
    expect(quiet.stderr).toBe('');
    // Words that are not kingly's options: no warning.
    const plain = await kingly(['run', '-f', 'echo', '-n', 'x', '--color'], env);
    expect(plain.stderr).toBe('');
  });

  it('-- ends kingly options: what follows is the command, even one word then options', async () => {
    const result = await kingly(['run', '--json', '--', 'echo', '--parallel'], env);
    expect(result.exitCode, result.stderr).toBe(0);
    const { id } = JSON.parse(result.stdout) as { id: string };
    expect(await show(id)).toMatchObject({ command: 'echo --parallel', group: null });
  });
});

describe('runGrammar (argv as commander gets it)', () => {
  const program = buildProgram();
  const argv = (...words: string[]): string[] => runGrammar(program, ['node', 'kingly', ...words], {}).argv.slice(2);

  it('moves options after one command before it, values and all', () => {
    expect(argv('run', 'npm test', '--parallel')).toEqual(['run', '--parallel', 'npm test']);
    expect(argv('run', '-f', 'x', '--name', 'n', '--git-worktree=v1')).toEqual(['run', '-f', '--name', 'n', '--git-worktree=v1', 'x']);
    expect(argv('--debug', 'run', 'x', '-j', '2', '--parallel')).toEqual(['--debug', 'run', '-j', '2', '--parallel', 'x']);
  });

  it('leaves several words, --, other commands and a lone command alone', () => {
    expect(argv('run', 'npm', 'test', '--parallel')).toEqual(['run', 'npm', 'test', '--parallel']);
    expect(argv('run', '--', 'x', '--parallel')).toEqual(['run', '--', 'x', '--parallel']);
    expect(argv('run', 'x')).toEqual(['run', 'x']);
    expect(argv('logs', 'x', '-f')).toEqual(['logs', 'x', '-f']);
  });
});
