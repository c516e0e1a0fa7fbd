import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { TOKEN } from './harness.js';

// Debian's Chromium (.ci/run installs it when missing); KINGLY_CHROMIUM points elsewhere.
export const CHROMIUM = process.env.KINGLY_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export const DESKTOP = { width: 1280, height: 800 } as const;
export const PHONE = { width: 390, height: 844 } as const;

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no browser at ${CHROMIUM}: apt-get install -y chromium (or set KINGLY_CHROMIUM)`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/** Logs the page in through the login form and waits for the live page. */
export async function logIn(page: Page, baseUrl: string): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.fill('#token', TOKEN);
  await Promise.all([page.waitForURL(`${baseUrl}/`), page.click('button[type=submit]')]);
}

/**
 * Collects what should never happen on kingly's pages: script errors, console errors, HTTP errors
 * (but `allowed` URLs) and any request to a host other than this machine.
 */
export function watchPage(page: Page, problems: string[], allowed: (url: string) => boolean = () => false): void {
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400 && !allowed(response.url())) problems.push(`HTTP ${response.status()} ${response.url()}`);
  });
  page.on('request', (request) => {
    const url = new URL(request.url());
    if ((url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '127.0.0.1') problems.push(`request off the machine: ${request.url()}`);
  });
}
