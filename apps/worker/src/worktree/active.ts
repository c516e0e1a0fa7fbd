// Worktrees this process is making, using or removing: cleanup never touches them.
const active = new Set<string>();

export const markActive = (worktreePath: string): void => void active.add(worktreePath);
export const unmarkActive = (worktreePath: string): void => void active.delete(worktreePath);
export const isActive = (worktreePath: string): boolean => active.has(worktreePath);
