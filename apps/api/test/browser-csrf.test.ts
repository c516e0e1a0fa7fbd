import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KinglyClient } from '@kingly/cmd';
import { uniqueName } from '@kingly/testing';
import { startApiServer, type ApiServer } from '../dist/index.js';
import { TOKEN } from './harness.js';

const CHROMIUM = process.env.KINGLY_CHROMIUM ?? '/usr/bin/chromium';
/** The attacker's domain; the browser resolves it to this machine, as DNS rebinding would. */
const EVIL = 'evil.example';
const ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-quic', `--host-resolver-rules=MAP ${EVIL} 127.0.0.1`];

/** A page that posts a form to the API as soon as it loads, as any site the user visits could. */
const attackPage = (action: string): string => `<!doctype html><title>cute cats</title>
<form id="f" method="POST" action="${action}"><input name="command" value="echo pwned"></form>
<script>document.getElementById('f').submit()</script>`;

describe('another site in Chromium cannot make the API run anything', () => {
  const redisUrl = inject('redisUrl');
  const prefix = uniqueName('api-csrf-browser');
  let client: KinglyClient;
  let server: ApiServer;
  let attacker: Server;
  let attackerPort: number;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    client = new KinglyClient({ redisUrl, prefix });
    server = await startApiServer({ redisUrl, prefix, token: TOKEN, host: '127.0.0.1', port: 0 });
    attacker = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(attackPage(`${server.url}/api/jobs`)));
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    attackerPort = (attacker.address() as AddressInfo).port;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
    context = await browser.newContext();
    page = await context.newPage();
    // The user is logged in in this browser: it holds a session cookie for the API.
    await page.goto(`${server.url}/login`);
    await page.fill('#token', TOKEN);
    await Promise.all([page.waitForURL(`${server.url}/`), page.click('button[type=submit]')]);
    expect((await context.cookies(server.url)).map((c) => c.name)).toContain('kingly_session');
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => attacker?.close(resolve));
    await server?.close();
    await client?.close();
  });

  const nothingQueued = async (): Promise<void> => {
    expect(await client.listJobs({ limit: 10 })).toEqual([]);
    expect(await (await client.queue('commands')).count()).toBe(0);
  };

  /** Opens the attacker's page at `origin` and returns the status the API gave its form post. */
  async function formPostFrom(origin: string): Promise<number> {
    const posted = page.waitForResponse((r) => r.url() === `${server.url}/api/jobs` && r.request().method() === 'POST');
    await page.goto(`${origin}/`);
    return (await posted).status();
  }

  it('a form POST to /api/jobs from a page on the same host, another port (same site: the cookie goes along) is refused', async () => {
    expect(await formPostFrom(`http://127.0.0.1:${attackerPort}`)).toBe(403);
    await nothingQueued();
  });

  it(`a form POST to /api/jobs from ${EVIL} (another site) is refused`, async () => {
    expect(await formPostFrom(`http://${EVIL}:${attackerPort}`)).toBe(401);
    await nothingQueued();
  });

  it(`DNS rebinding: ${EVIL} resolving to the API's address gets 403 for every request, so its script cannot post`, async () => {
    const rebound = `http://${EVIL}:${server.port}`;
    const health = await page.goto(`${rebound}/healthz`);
    expect(health?.status()).toBe(403);
    expect(await health?.json()).toMatchObject({ code: 'E_FORBIDDEN', message: expect.stringContaining(`'${EVIL}:${server.port}'`) });
    // To the browser this is same-origin: its script may post JSON and read the answer.
    const status = await page.evaluate(async () => {
      const res = await fetch('/api/jobs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ command: 'echo pwned', cwd: '/' }) });
      return res.status;
    });
    expect(status).toBe(403);
    await nothingQueued();
  });

  it('the page itself, with the same cookie, still posts a job (so the refusals above are the guards at work)', async () => {
    await page.goto(`${server.url}/`);
    const status = await page.evaluate(async () => {
      const res = await fetch('/api/jobs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ command: 'true', cwd: '/' }) });
      return res.status;
    });
    expect(status).toBe(201);
    expect(await client.listJobs({ limit: 10 })).toHaveLength(1);
  });
});
