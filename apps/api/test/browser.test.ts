import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KinglyClient } from '@kingly/cmd';
import { pidsWithEnv, tempDir, uniqueName, waitFor } from '@kingly/testing';
import { createWorker, type KinglyWorker } from '@kingly/worker';
import { startApiServer, type ApiServer } from '../dist/index.js';
import { fixturePath, TOKEN, waitForState } from './harness.js';

// Debian's Chromium (.ci/run installs it when missing); KINGLY_CHROMIUM points elsewhere.
const CHROMIUM = process.env.KINGLY_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
/** Screenshots for people to look at (git ignores the folder). */
const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/', import.meta.url));

describe('the live page and Bull Board in Chromium', () => {
  const redisUrl = inject('redisUrl');
  const prefix = uniqueName('api-browser');
  const dir = tempDir('kingly-api-browser');
  let client: KinglyClient;
  let worker: KinglyWorker;
  let server: ApiServer;
  let context: BrowserContext;
  const problems: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no browser at ${CHROMIUM}: apt-get install -y chromium (or set KINGLY_CHROMIUM)`);
    mkdirSync(ARTIFACTS, { recursive: true });
    client = new KinglyClient({ redisUrl, prefix });
    worker = await createWorker({ redisUrl, prefix, concurrency: 2, shutdownGraceMs: 1000, sampleIntervalMs: 300 });
    server = await startApiServer({ redisUrl, prefix, token: TOKEN, host: '127.0.0.1', port: 0 });
    context = await chromium.launchPersistentContext(join(dir.path, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: { width: 1280, height: 860 },
    });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await server?.close();
    await worker?.close();
    await client?.close();
    dir.remove();
  });

  const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, name), fullPage: true });

  it('logs in, watches a running job live, reads its output as it comes, kills it, opens it in Bull Board', { timeout: 120_000 }, async () => {
    const gate = join(dir.path, 'gate');
    const { id } = await client.enqueue({ command: `node ${fixturePath('gated.cjs')}`, name: 'cpu-burner', env: { BURN: '1', GATE: gate, STAY: '1' } });
    // BullMQ says "active" a moment before the worker has written the pid: wait for the pid.
    const record = await waitFor(async () => {
      const r = await waitForState(client, id, ['running']);
      return r.pid !== null ? r : undefined;
    }, { timeoutMs: 20_000, message: `job ${id} to be running with a pid` });

    const page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('response', (response) => {
      // The one expected refusal: the live page before logging in.
      if (response.status() >= 400 && response.url() !== `${server.url}/`) problems.push(`HTTP ${response.status()} ${response.url()}`);
    });

    // Not logged in: the live page sends the browser to the login form.
    await page.goto(`${server.url}/`);
    await page.waitForURL(/\/login\?next=%2F$/);
    await shot(page, '01-login.png');
    await page.fill('#token', TOKEN);
    await Promise.all([page.waitForURL(`${server.url}/`), page.click('button[type=submit]')]);

    // The running job's row: PID, then a CPU figure from the live samples.
    const row = page.locator(`#running tr[data-job="${id}"]`);
    await row.waitFor({ timeout: 15_000 });
    await waitFor(async () => (await row.locator('td.pid').textContent()) === String(record.pid), { timeoutMs: 15_000, message: 'the page to show the job PID' });
    const cpu = await waitFor(
      async () => {
        const text = (await row.locator('td.cpu').textContent()) ?? '';
        return parseFloat(text) > 20 ? text : undefined;
      },
      { timeoutMs: 20_000, message: 'the page to show the burner above 20 % CPU' },
    );
    expect(cpu).toMatch(/^\d+\.\d %$/);
    expect(await row.locator('td.rss').textContent()).toMatch(/^\d+(\.\d)? (KiB|MiB|GiB)$/);
    expect(await row.locator('td.command').textContent()).toBe(`cpu-burner: node ${fixturePath('gated.cjs')}`);
    expect(await page.locator('#workers tbody tr').count()).toBe(1);
    expect(await page.locator('#workers td.running').textContent()).toBe('1 / 2');
    await shot(page, '02-running.png');

    // Its output: the first line, then a new line appears when the gate opens.
    await row.locator('button.show-log').click();
    const log = page.locator('#log');
    await waitFor(async () => (await log.textContent())?.includes('started'), { timeoutMs: 15_000, message: 'the log panel to show the first line' });
    expect(await log.textContent()).not.toContain('gate opened');
    writeFileSync(gate, '');
    await waitFor(async () => (await log.textContent())?.includes('gate opened'), { timeoutMs: 15_000, message: 'the new log line to appear' });
    await shot(page, '03-log.png');

    // Kill it with the button: the row moves to Finished as cancelled, and no process is left.
    await row.locator('button.kill').click();
    const done = page.locator(`#finished tr[data-job="${id}"]`);
    await done.waitFor({ timeout: 20_000 });
    await waitFor(async () => (await done.locator('td.outcome').textContent()) === 'cancelled', { timeoutMs: 20_000, message: 'the finished row to say cancelled' });
    expect(await row.count()).toBe(0);
    await waitFor(async () => (await page.locator('#log-state').textContent()) === 'ended: cancelled', { timeoutMs: 15_000, message: 'the log panel to say the job ended' });
    expect((await client.getJob(id)).state).toBe('cancelled');
    expect(pidsWithEnv('KINGLY_JOB_ID', id)).toEqual([]);
    await shot(page, '04-killed.png');
    expect(problems).toEqual([]);

    // Its link opens the job in Bull Board: the command, the tail of its output, its data with env hidden.
    await Promise.all([page.waitForURL(`${server.url}/board/queue/commands/${id}`), done.locator('td.job a').click()]);
    await page.getByText(`cpu-burner: node ${fixturePath('gated.cjs')}`).first().waitFor({ timeout: 20_000 });
    await page.getByRole('tab', { name: 'Logs' }).or(page.getByRole('button', { name: 'Logs' })).first().click();
    await page.getByText('gate opened').first().waitFor({ timeout: 20_000 });
    await shot(page, '05-board-logs.png');
    await page.getByRole('tab', { name: 'Data' }).or(page.getByRole('button', { name: 'Data' })).first().click();
    await page.getByText('<hidden>').first().waitFor({ timeout: 20_000 });
    expect(await page.content()).not.toContain(gate);
    await shot(page, '06-board-data.png');
  });
});
