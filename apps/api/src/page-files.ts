import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The live page's static files ship in src/page (the package's "files"); dist/ finds them there. */
export const PAGE_DIR = fileURLToPath(new URL('../src/page/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export interface PageFile {
  readonly body: string;
  readonly type: string;
}

/** Reads every page file once (they are a few kilobytes). */
export function loadPageFiles(dir: string = PAGE_DIR): ReadonlyMap<string, PageFile> {
  const files = new Map<string, PageFile>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (type) files.set(name, { body: readFileSync(join(dir, name), 'utf8'), type });
  }
  return files;
}

/**
 * Libraries the page loads from /page/vendor/<name>, read from node_modules (never a CDN: the page
 * works offline and sends no request off the machine).
 */
const VENDOR: Record<string, string> = {
  'ansi_up.js': 'ansi_up/ansi_up.js',
  'uPlot.esm.js': 'uplot/dist/uPlot.esm.js',
  'uPlot.min.css': 'uplot/dist/uPlot.min.css',
};

/** Reads the vendored libraries once. */
export function loadVendorFiles(): ReadonlyMap<string, PageFile> {
  const require = createRequire(import.meta.url);
  const files = new Map<string, PageFile>();
  for (const [name, module] of Object.entries(VENDOR)) {
    files.set(name, { body: readFileSync(require.resolve(module), 'utf8'), type: TYPES[extname(name)]! });
  }
  return files;
}

/** Headers for kingly's own pages: no framing, no inline script, no sniffing. */
export const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
} as const;

export const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
