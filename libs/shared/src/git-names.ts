// What kingly accepts as git branch names, revisions and repositories, checked without running git
// (this package never spawns a process). Values pass to git as separate arguments, never a shell.

const FORBIDDEN_CHARS = /[\x00-\x20\x7f~^:?*[\\]/;

/**
 * Why `name` is not a branch name `git check-ref-format --branch` accepts, or undefined when it
 * is one. Also refuses what `git branch` refuses: a leading dash, `HEAD` and `@`.
 */
export function checkBranchName(name: string): string | undefined {
  if (name.length === 0) return 'it is empty';
  if (name.length > 255) return 'it is longer than 255 characters';
  if (name.startsWith('-')) return "it starts with '-'";
  if (name === 'HEAD') return "'HEAD' is not a branch name";
  if (name === '@') return "'@' alone is not a branch name";
  const bad = FORBIDDEN_CHARS.exec(name);
  if (bad) return `it contains ${describeChar(bad[0])}`;
  if (name.includes('..')) return "it contains '..'";
  if (name.includes('@{')) return "it contains '@{'";
  if (name.endsWith('.')) return "it ends with '.'";
  for (const part of name.split('/')) {
    if (part === '') return "it has an empty path component (leading, trailing or double '/')";
    if (part.startsWith('.')) return `its component '${part}' starts with '.'`;
    if (part.endsWith('.lock')) return `its component '${part}' ends with '.lock'`;
  }
  return undefined;
}

/**
 * Why `ref` is not a revision kingly passes to git (a branch, tag, sha or an expression such as
 * `main~2`), or undefined. Only the shape is checked; whether it exists is git's to say.
 */
export function checkRevision(ref: string): string | undefined {
  if (ref.length === 0) return 'it is empty';
  if (ref.length > 255) return 'it is longer than 255 characters';
  if (ref.startsWith('-')) return "it starts with '-'";
  const bad = /[\x00-\x20\x7f]/.exec(ref);
  if (bad) return `it contains ${describeChar(bad[0])}`;
  return undefined;
}

const URL_SCHEME = /^(https?|ssh|git|file):\/\/[^\s]+$/;
const SCP_LIKE = /^[A-Za-z0-9._~-]+@[A-Za-z0-9.-]+:[^\s]+$/;

/** True for a clone URL (`https://`, `ssh://`, `git://`, `file://` or `user@host:path`). */
export const isRepoUrl = (repo: string): boolean => URL_SCHEME.test(repo) || SCP_LIKE.test(repo);

/** Why `repo` is neither an absolute path nor a clone URL, or undefined. */
export function checkRepo(repo: string): string | undefined {
  if (repo.length === 0) return 'it is empty';
  if (repo.length > 4096) return 'it is longer than 4096 characters';
  if (/[\x00-\x1f\x7f]/.test(repo)) return 'it contains a control character';
  if (repo.startsWith('/') || isRepoUrl(repo)) return undefined;
  return 'expected an absolute path or a clone URL (https://, ssh://, git://, file:// or user@host:path)';
}

/** Text as it may be printed: the credentials of any URL in it become `<hidden>`. */
export const redactRepo = (text: string): string => text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, '$1<hidden>@');

function describeChar(char: string): string {
  const code = char.charCodeAt(0);
  if (char === ' ') return 'a space';
  if (code < 0x20 || code === 0x7f) return `a control character (0x${code.toString(16).padStart(2, '0')})`;
  return `'${char}'`;
}
