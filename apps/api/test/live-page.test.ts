import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KinglyClient } from '@kingly/cmd';
import { fixture, makeRepo, pidsWithEnv, tempDir, uniqueName, waitFor } from '@kingly/testing';
import { createWorker, type KinglyWorker } from '@kingly/worker';
import { startApiServer, type ApiServer } from '../dist/index.js';
import { DESKTOP, launchChromium, logIn, PHONE, watchPage } from './browser-harness.js';
import { fixturePath, TOKEN, waitForState } from './harness.js';

/** Screenshots for people to look at (git ignores the folder); KINGLY_UPDATE_DOCS=1 also refreshes docs/. */
const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/', import.meta.url));
const DOCS = fileURLToPath(new URL('../../../docs/', import.meta.url));
const SESSION_SECRET = 'live-page-test-session-secret-0123456789';
const HISTORY = 300;

/** What the tests use of an element in the page (tests are compiled without the DOM's types). */
interface PageElement {
  readonly tagName: string;
  readonly textContent: string | null;
  getAttribute(name: string): string | null;
  getBoundingClientRect(): { readonly width: number; readonly height: number };
}

describe('the live page at a desktop and a phone size', () => {
  const redisUrl = inject('redisUrl');
  const prefix = uniqueName('api-live-page');
  const dir = tempDir('kingly-live-page');
  let client: KinglyClient;
  let worker: KinglyWorker;
  let server: ApiServer;
  let browser: Browser;
  const pages: Record<'desktop' | 'phone', Page> = {} as never;
  const contexts: BrowserContext[] = [];
  const problems: string[] = [];
  let parked: string[] = [];
  let colours: string;

  const startServer = (port = 0) => startApiServer({ redisUrl, prefix, token: TOKEN, host: '127.0.0.1', port, sessionSecret: SESSION_SECRET });

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    client = new KinglyClient({ redisUrl, prefix });
    worker = await createWorker({ redisUrl, prefix, concurrency: 2, shutdownGraceMs: 1000, sampleIntervalMs: 300 });
    server = await startServer();
    browser = await launchChromium();
    for (const [name, size] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
      const context = await browser.newContext({ viewport: size, ...(name === 'phone' ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}) });
      contexts.push(context);
      const page = await context.newPage();
      watchPage(page, problems);
      await logIn(page, server.url);
      pages[name] = page;
    }
    // History: jobs on a queue no worker takes stay queued (oldest first in `parked`).
    parked = (await client.enqueueMany(
      Array.from({ length: HISTORY }, (_, i) => ({ command: `echo parked ${i}`, name: `parked-${i}`, group: 'history' })),
      { queue: 'parked' },
    )).map((j) => j.id);
    const { id } = await client.enqueue({
      command: `node ${fixturePath('colours.cjs')}`,
      name: 'colours',
      env: { BURN: '1', GATE: join(dir.path, 'never'), STAY: '1' },
    });
    colours = id;
    await waitFor(
      async () => {
        const r = await waitForState(client, id, ['running']);
        return r.pid !== null ? r : undefined;
      },
      { timeoutMs: 20_000, message: `job ${id} to be running with a pid` },
    );
  }, 90_000);

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await server?.close();
    await worker?.close();
    await client?.close();
    dir.remove();
  });

  /** A screenshot of the top of the page (the docs show what a person first sees). */
  const shot = async (page: Page, name: string, docs?: string) => {
    const path = join(ARTIFACTS, name);
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path });
    if (docs && process.env.KINGLY_UPDATE_DOCS === '1') copyFileSync(path, join(DOCS, docs));
  };
  // Tests have no DOM types: what runs in the page is an expression or works on Playwright's elements.
  const noPageScroll = (page: Page) => page.evaluate('document.documentElement.scrollWidth - window.innerWidth') as Promise<number>;
  /** Visible controls shorter than 40 px (buttons, inputs, links in tables and the header). */
  const smallTargets = (page: Page) =>
    page.locator('button, input, select, header a, td a').evaluateAll((elements) =>
      (elements as unknown as PageElement[])
        .map((el) => ({ el, box: el.getBoundingClientRect() }))
        .filter(({ box }) => box.width > 0 && box.height > 0 && box.height < 40)
        .map(({ el, box }) => `${el.tagName.toLowerCase()} '${el.textContent?.trim() ?? ''}' ${box.height}px`),
    );
  type Computed = { getComputedStyle(el: unknown): Record<string, string> };
  const computed = (locator: Locator, property: string) =>
    locator.evaluate((el, p) => (globalThis as unknown as Computed).getComputedStyle(el)[p], property);
  const inViewport = async (page: Page, selector: string) => {
    const box = (await page.locator(selector).boundingBox())!;
    const view = page.viewportSize()!;
    return { x: box.x, y: box.y, right: box.x + box.width, bottom: box.y + box.height, width: view.width, height: view.height };
  };

  it.each(['desktop', 'phone'] as const)('%s: queued jobs are listed, and Older pages back to the oldest of 300', { timeout: 120_000 }, async (name) => {
    const page = pages[name];
    const rows = page.locator('#jobs tbody tr');
    await page.locator('#filters input[name=queue]').fill('parked');
    await page.locator('#filters button[type=submit]').click();
    await waitFor(async () => (await rows.count()) === 50 && (await rows.first().getAttribute('data-job')) === parked[HISTORY - 1], {
      timeoutMs: 20_000,
      message: 'the first page of parked jobs, newest first',
    });
    expect(await rows.first().locator('td.state').textContent()).toBe('queued');
    for (let pagesRead = 1; await page.locator('#older').isVisible(); pagesRead += 1) {
      expect(pagesRead).toBeLessThan(HISTORY / 50 + 1);
      const before = await rows.count();
      await page.locator('#older').click();
      await waitFor(async () => (await rows.count()) > before, { timeoutMs: 20_000, message: `page ${pagesRead + 1} to be added` });
    }
    const ids = await rows.evaluateAll((trs) => (trs as unknown as PageElement[]).map((tr) => tr.getAttribute('data-job')));
    expect(ids).toEqual([...parked].reverse());
    expect(await page.locator('#jobs-shown').textContent()).toBe(`${HISTORY} shown`);
    expect(new Set(await rows.locator('td.state').allTextContents())).toEqual(new Set(['queued']));

    // A state filter: the running job only.
    await page.locator('#filters button[type=reset]').click();
    await page.locator('#filters select[name=state]').selectOption('running');
    await waitFor(async () => (await rows.count()) === 1 && (await rows.first().getAttribute('data-job')) === colours, {
      timeoutMs: 20_000,
      message: 'the state filter to show only the running job',
    });
    await page.locator('#filters button[type=reset]').click();
    await waitFor(async () => (await rows.count()) === 50, { timeoutMs: 20_000, message: 'the unfiltered first page' });

    expect(await noPageScroll(page)).toBeLessThanOrEqual(0);
    if (name === 'phone') expect(await smallTargets(page)).toEqual([]);
    await shot(page, `live-${name}-history.png`, name === 'phone' ? 'live-page-phone.png' : undefined);
  });

  it.each(['desktop', 'phone'] as const)(
    '%s: a CPU sparkline per running job; Output opens in view with the command, state, colours as styled text (nothing injected) and a chart that grows',
    { timeout: 120_000 },
    async (name) => {
      const page = pages[name];
      // The running row draws the live CPU figures as a sparkline.
      const spark = page.locator(`#running tr[data-job="${colours}"] svg.spark`);
      await waitFor(async () => Number((await spark.getAttribute('data-points')) ?? 0) >= 3, { timeoutMs: 20_000, message: 'the sparkline to have 3 points' });
      expect((await spark.locator('polyline').getAttribute('points'))?.split(' ').length).toBeGreaterThanOrEqual(3);

      // Scrolled to the bottom of a long page, the panel still opens in view.
      await page.evaluate('window.scrollTo(0, document.body.scrollHeight)');
      const output = page.locator(`#running tr[data-job="${colours}"] button.show-log`);
      await output.waitFor({ timeout: 15_000 });
      await output.evaluate((button) => (button as unknown as { click(): void }).click()); // a click that does not scroll
      await page.locator('#output').waitFor({ state: 'visible', timeout: 10_000 });
      const box = await inViewport(page, '#output');
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.y).toBeGreaterThanOrEqual(0);
      expect(box.right).toBeLessThanOrEqual(box.width);
      expect(box.bottom).toBeLessThanOrEqual(box.height);
      if (name === 'phone') expect([box.x, box.right]).toEqual([0, box.width]);
      else expect(box.right - box.x).toBeLessThan(box.width * 0.6);

      expect(await page.locator('#output-command').textContent()).toBe(`colours: node ${fixturePath('colours.cjs')}`);
      expect(await page.locator('#output-state').textContent()).toBe('running');
      await waitFor(async () => (await page.locator('#output-stream').textContent()) === 'following', { timeoutMs: 15_000, message: 'the panel to say following' });
      const log = page.locator('#log');
      await waitFor(async () => (await log.textContent())?.includes('started'), { timeoutMs: 15_000, message: 'the output to show every line' });

      const red = log.locator('span.ansi-red-fg');
      expect(await red.textContent()).toBe('red text');
      expect(await computed(red, 'color')).toBe('rgb(241, 109, 109)');
      expect(await computed(log.locator('span.ansi-green-fg'), 'fontWeight')).toBe('700');
      expect(await computed(log.getByText('true orange'), 'color')).toBe('rgb(255, 128, 0)');
      const text = (await log.textContent()) ?? '';
      expect(text).not.toMatch(/\u001b|\[\d+(;\d+)*m/);
      expect(text).toContain('<img src=x onerror="window.__pwned=1">');
      expect(text).toContain('<script>window.__pwned=2</script>');
      expect(await log.locator('img, script, a[href^="javascript"]').count()).toBe(0);
      expect(await page.evaluate('window.__pwned')).toBeUndefined();

      const points = async () => Number((await page.locator('#output-plot').getAttribute('data-points')) ?? 0);
      await page.locator('#output-chart').waitFor({ state: 'visible', timeout: 15_000 });
      const first = await waitFor(async () => ((await points()) >= 2 ? points() : undefined), { timeoutMs: 20_000, message: 'the chart to have points' });
      await waitFor(async () => (await points()) >= first + 3, { timeoutMs: 20_000, message: `the chart to grow past ${first} points while the job runs` });
      expect(await page.locator('#output-plot canvas').count()).toBeGreaterThan(0);
      expect(await noPageScroll(page)).toBeLessThanOrEqual(0);
      if (name === 'phone') expect(await smallTargets(page)).toEqual([]);
      await shot(page, `live-${name}-output.png`, name === 'desktop' ? 'live-page-desktop.png' : undefined);
      if (name === 'phone') {
        await page.locator('#output-close').click();
        await page.locator('#output').waitFor({ state: 'hidden' });
      }
    },
  );

  it('says "reconnecting" on the page and the output panel while the API is away, then follows again', { timeout: 120_000 }, async () => {
    const page = pages.desktop;
    expect(await page.locator('#output').isVisible()).toBe(true);
    const port = server.port;
    const before = problems.length;
    await server.close();
    await waitFor(async () => (await page.locator('#output-stream').textContent()) === 'reconnecting…', { timeoutMs: 15_000, message: 'the panel to say reconnecting' });
    expect(await page.locator('#connection').textContent()).toBe('reconnecting…');
    server = await startServer(port);
    await waitFor(async () => (await page.locator('#output-stream').textContent()) === 'following', { timeoutMs: 30_000, message: 'the panel to follow again' });
    await waitFor(async () => (await page.locator('#connection').textContent()) === 'live', { timeoutMs: 30_000, message: 'the page to be live again' });
    // Refused reconnects while the API was away (console errors, 503s) were expected here.
    const away = problems.splice(before);
    expect(away.every((p) => /ERR_CONNECTION_REFUSED|HTTP 503|console: Failed to load resource/.test(p)), away.join('\n')).toBe(true);
  });

  it('Kill asks first: Cancel keeps the job running, Kill ends it cancelled', { timeout: 120_000 }, async () => {
    const page = pages.phone;
    const killButton = page.locator(`#running tr[data-job="${colours}"] button.kill`);
    const dialog = page.locator('#kill-dialog');
    await killButton.click();
    await dialog.waitFor({ state: 'visible' });
    expect(await page.locator('#kill-job').textContent()).toBe(colours);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect((await client.getJob(colours)).state).toBe('running');

    await killButton.click();
    await dialog.waitFor({ state: 'visible' });
    await page.locator('#kill-confirm').click();
    const row = page.locator(`#jobs tr[data-job="${colours}"]`);
    await waitFor(async () => (await row.locator('td.state').textContent()) === 'cancelled', { timeoutMs: 30_000, message: 'the jobs table to say cancelled' });
    expect(await page.locator(`#running tr[data-job="${colours}"]`).count()).toBe(0);
    expect((await client.getJob(colours)).state).toBe('cancelled');
    expect(pidsWithEnv('KINGLY_JOB_ID', colours)).toEqual([]);
    // The desktop's open panel heard the end too.
    await waitFor(async () => (await pages.desktop.locator('#output-state').textContent()) === 'cancelled', { timeoutMs: 15_000, message: 'the panel to show cancelled' });
    expect(problems).toEqual([]);
  });

  it("an agent job: the output panel shows its model, turns, tokens, cost and last action, then its result", { timeout: 120_000 }, async () => {
    const page = pages.desktop;
    if (await page.locator('#output').isVisible()) await page.locator('#output-close').click();
    const repo = makeRepo(join(dir.path, 'repo'));
    repo.commit('first', { 'README.md': 'hi\n' });
    const { id } = await client.enqueue({
      argv: [fixture('claude-agent.js'), '-p', 'tidy up [turns:4] [slow:500]', '--output-format', 'stream-json', '--verbose'],
      cwd: repo.path,
      env: { FIXTURE_AGENT_STATE: join(dir.path, 'sessions') },
      agent: { name: 'claude', format: 'claude-stream-json' },
    });
    const output = page.locator(`#jobs tr[data-job="${id}"] button.show-log`);
    await output.waitFor({ timeout: 20_000 });
    await output.click();
    const agent = page.locator('#output-agent');
    await waitFor(async () => /^agent claude .*\d+ turns? · .* tokens · \$\d/.test((await agent.textContent()) ?? ''), {
      timeoutMs: 30_000,
      message: "the panel to show the agent's figures",
    });
    await waitFor(async () => (await agent.textContent())?.includes('result success'), { timeoutMs: 60_000, message: "the panel to show the agent's result" });
    const record = await client.getJob(id);
    const text = (await agent.textContent()) ?? '';
    expect(text).toContain(`${record.agent!.turns} turns`);
    expect(text).toContain(`$${record.agent!.costUsd.toFixed(4)}`);
    if (record.agent!.lastTool) expect(text).toContain(`last action ${record.agent!.lastTool}`);
    await shot(page, 'live-desktop-agent.png');
    expect(problems).toEqual([]);
  });
});
