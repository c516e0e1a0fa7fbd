import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { CONFIG_FILE_NAME, loadConfigFile, type WorktreeConfig } from '@kingly/cmd';
import { WorktreeError, WorktreeErrorCodes } from './errors.js';

/**
 * The `worktree` section of the repository's kingly.config.json: from the main checkout when
 * there is one (so an uncommitted edit counts), else from the fresh worktree (a URL's mirror).
 */
export async function readWorktreeConfig(mainCheckout: string | undefined, worktreePath: string): Promise<WorktreeConfig> {
  for (const dir of mainCheckout ? [mainCheckout, worktreePath] : [worktreePath]) {
    const file = join(dir, CONFIG_FILE_NAME);
    if (!(await access(file).then(() => true, () => false))) continue;
    try {
      return loadConfigFile(file).worktree ?? {};
    } catch (error) {
      throw new WorktreeError(WorktreeErrorCodes.CONFIG_INVALID, (error as Error).message);
    }
  }
  return {};
}
