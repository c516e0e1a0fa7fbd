import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** A fresh temp directory; remove it with the returned function. */
export function tempDir(label = 'kingly'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), `${label}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A unique key prefix / queue name for one test, so tests never see each other's keys. */
export const uniqueName = (label = 't'): string => `${label}-${randomBytes(5).toString('hex')}`;
