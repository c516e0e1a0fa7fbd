import { describe, expect, it } from 'vitest';
import { cleanEnv, kingly } from './helpers.js';

describe('kingly --help', () => {
  it('lists the commands in groups: run and inspect, control, dev servers, agents, stack', async () => {
    const result = await kingly(['--help'], cleanEnv({}));
    expect(result.exitCode).toBe(0);
    const order = ['Run and inspect:', 'Control:', 'Dev servers:', 'Agents:', 'Stack:', 'Shell:'];
    const headings = result.stdout.split('\n').filter((l) => order.includes(l));
    expect(headings).toEqual(order);
    const section = (heading: string): string => result.stdout.split(`${heading}\n`)[1]!.split('\n\n')[0]!;
    expect(section('Run and inspect:')).toMatch(/^ {2}run .*\n(.*\n)* {2}logs /);
    for (const name of ['kill', 'restart', 'pause', 'resume', 'concurrency']) expect(section('Control:')).toMatch(new RegExp(`^  ${name} `, 'm'));
    expect(section('Stack:')).toMatch(/^ {2}up /m);
    expect(result.stdout).not.toContain('__complete');
  });
});
