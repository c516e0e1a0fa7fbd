import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KinglyClient } from '@kingly/cmd';
import { pidsWithEnv, tempDir, uniqueName, waitFor } from '@kingly/testing';
import { createWorker, type KinglyWorker } from '@kingly/worker';
import { startApiServer, type ApiServer } from '../dist/index.js';
import { launchChromium, watchPage } from './browser-harness.js';
import { fixturePath, TOKEN, waitForState } from './harness.js';
/** Screenshots for people to look at (git ignores the folder). */
const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/', import.meta.url));

describe('the live page and Bull Board in Chromium', () => {
  const redisUrl = inject('redisUrl');
  const prefix = uniqueName('api-browser');
  const dir = tempDir('kingly-api-browser');
  let client: KinglyClient;
  let worker: KinglyWorker;
  let server: ApiServer;
  let browser: Browser;
  let context: BrowserContext;
  const problems: string[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    client = new KinglyClient({ redisUrl, prefix });
    worker = await createWorker({ redisUrl, prefix, concurrency: 2, shutdownGraceMs: 1000, sampleIntervalMs: 300 });
    server = await startApiServer({ redisUrl, prefix, token: TOKEN, host: '127.0.0.1', port: 0 });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
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

    const page = await context.newPage();
    // The one expected refusal: the live page before logging in. No request leaves the machine
    // (Bull Board's remote font included).
    watchPage(page, problems, (url) => url === `${server.url}/`);

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

    // Kill it from the output panel (it covers the right of the tables), after the confirmation:
    // its row in Jobs says cancelled, and no process is left.
    await page.locator('#output-actions button.kill').click();
    await page.locator('#kill-confirm').click();
    const done = page.locator(`#jobs tr[data-job="${id}"]`);
    await done.waitFor({ timeout: 20_000 });
    await waitFor(async () => (await done.locator('td.state').textContent()) === 'cancelled', { timeoutMs: 20_000, message: 'the jobs row to say cancelled' });
    expect(await row.count()).toBe(0);
    await waitFor(async () => (await page.locator('#output-stream').textContent()) === 'ended', { timeoutMs: 15_000, message: 'the output panel to say the job ended' });
    expect(await page.locator('#output-state').textContent()).toBe('cancelled');
    expect((await client.getJob(id)).state).toBe('cancelled');
    expect(pidsWithEnv('KINGLY_JOB_ID', id)).toEqual([]);
    await shot(page, '04-killed.png');
    expect(problems).toEqual([]);
    await page.locator('#output-close').click();

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
    // Its last process figures, readable.
    await page.getByRole('tab', { name: 'Progress' }).or(page.getByRole('button', { name: 'Progress' })).first().click();
    await page.getByText('memory (RSS)').first().waitFor({ timeout: 20_000 });
    expect(await page.content()).not.toContain('rssBytes');
    await shot(page, '07-board-progress.png');
    expect(problems).toEqual([]);
  });
});
