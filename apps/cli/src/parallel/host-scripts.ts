// The git work of `kingly parallel sync|merge|clean` for a stream set of a URL repository, as POSIX
// shell scripts run by a kingly job on the host that holds the streams' worktrees (a worktree of
// that worker's mirror, whose `origin` is the URL). Each script reports on stdout with lines
// `@kingly <tag> <value>` (git's own words go to stderr, so they stay in the job's log) and exits
// 0 when it did what it says, conflicts included; any other exit is a failure to report.

/** Shared start: stop on unset variables, never ask for credentials, an identity when git has none. */
const PRELUDE = `set -u
export GIT_TERMINAL_PROMPT=0
trap 'exit 143' HUP INT TERM
say() { printf '@kingly %s %s\\n' "$1" "$2"; }
conflicts() { git diff --name-only --diff-filter=U | while IFS= read -r f; do say conflict "$f"; done; }
id=
git config user.email >/dev/null 2>&1 || id='-c user.name=kingly -c user.email=kingly@localhost'
`;

/**
 * In the stream's worktree: commit leftovers, fetch the base from origin (the URL), merge or rebase
 * onto it; on a conflict abort (the branch is left as it was) and name the files.
 * Arguments: base, branch, rebase (1 or 0).
 */
export const SYNC_SCRIPT = `${PRELUDE}base=$1 branch=$2 rebase=$3
if [ -n "$(git status --porcelain)" ]; then
  git add -A >&2 && git $id commit --quiet -m 'kingly parallel sync: commit what the agent left uncommitted' >&2 || exit 1
  say committed 1
fi
git fetch --quiet origin -- "$base" >&2 || exit 1
before=$(git rev-parse HEAD) || exit 1
if [ "$rebase" = 1 ]; then git $id rebase --quiet FETCH_HEAD >&2; else git $id merge --no-edit --quiet -m "Merge $base of origin into $branch" FETCH_HEAD >&2; fi
if [ $? -ne 0 ]; then
  conflicts
  if [ "$rebase" = 1 ]; then git rebase --abort >&2; else git merge --abort >&2; fi
  say outcome conflict
  exit 0
fi
if [ "$(git rev-parse HEAD)" = "$before" ]; then say outcome up-to-date; else say outcome synced; fi
`;

/**
 * From the stream's worktree: fetch the target branch from origin, merge the stream's branch into
 * it in a temporary worktree of the mirror (removed in every case), push the merge to origin.
 * Arguments: into (HEAD: origin's default branch), branch.
 */
export const MERGE_SCRIPT = `${PRELUDE}into=$1 branch=$2
common=$(cd "$(git rev-parse --git-common-dir)" && pwd) || exit 1
if [ "$into" = HEAD ]; then
  into=$(git ls-remote --symref origin HEAD | sed -n 's|^ref: refs/heads/\\(.*\\)\tHEAD$|\\1|p')
  [ -n "$into" ] || { echo "cannot tell the default branch of origin" >&2; exit 1; }
fi
say into "$into"
git ls-remote --exit-code --heads origin "refs/heads/$into" >/dev/null
case $? in 0) ;; 2) say missing "$into"; exit 0 ;; *) exit 1 ;; esac
git fetch --quiet origin -- "refs/heads/$into" >&2 || exit 1
target=$(git rev-parse FETCH_HEAD) || exit 1
tmp=$(mktemp -d "\${TMPDIR:-/tmp}/kingly-merge-XXXXXX") || exit 1
trap 'git -C "$common" worktree remove --force "$tmp/checkout" >/dev/null 2>&1; rm -rf "$tmp"; git -C "$common" worktree prune' EXIT
git -C "$common" worktree add --quiet --detach "$tmp/checkout" "$target" >&2 || exit 1
cd "$tmp/checkout" || exit 1
if ! git $id merge --no-ff --no-edit --quiet -m "Merge stream $branch into $into" "refs/heads/$branch" >&2; then
  conflicts
  git merge --abort >&2
  say outcome conflict
  exit 0
fi
git push --quiet origin "HEAD:refs/heads/$into" >&2 || exit 1
say commit "$(git rev-parse HEAD)"
say outcome merged
`;

/**
 * On one host, in the directory of the worker's kept worktrees (`<home>/worktrees`): remove each stream's worktree (and the
 * worker's record beside it), then delete the branches merged into origin's base (all with
 * force=1, none with keep=1). Arguments: base, force, keep, then worktree and branch pairs.
 */
export const CLEAN_SCRIPT = `${PRELUDE}base=$1 force=$2 keep=$3
shift 3
common= branches=
odd=1
for wt in "$@"; do
  [ "$odd" = 1 ] && [ -z "$common" ] && [ -d "$wt" ] && common=$(cd "$wt" && cd "$(git rev-parse --git-common-dir)" && pwd)
  odd=$((1 - odd))
done
# Every worktree gone already: the worker keeps them at <home>/worktrees/<repo-id>/<job> (this
# directory is <home>/worktrees), its mirror at <home>/mirrors/<repo-id>.git.
mirror="../mirrors/$(basename "$(dirname "$1")").git"
[ -n "$common" ] || [ ! -d "$mirror" ] || common=$(cd "$mirror" && pwd)
[ -n "$common" ] || { echo "no mirror of the repository on this host" >&2; exit 1; }
while [ $# -ge 2 ]; do
  wt=$1 branch=$2
  shift 2
  if [ -d "$wt" ]; then
    git -C "$common" worktree remove --force --force "$wt" >&2 || exit 1
    say removed "$wt"
  fi
  rm -f "$wt.json"
  branches="$branches $branch"
done
git -C "$common" worktree prune
[ "$keep" = 1 ] && exit 0
# The base goes to a ref of this job's own: the mirror's FETCH_HEAD is shared with the worker's fetches.
ref="refs/kingly/clean-$$"
trap 'git -C "$common" update-ref -d "$ref" 2>/dev/null' EXIT
git -C "$common" fetch --quiet --no-write-fetch-head origin -- "+$base:$ref" >&2 || exit 1
for branch in $branches; do
  git -C "$common" rev-parse --verify -q "refs/heads/$branch" >/dev/null || continue
  if [ "$force" = 1 ] || git -C "$common" merge-base --is-ancestor "refs/heads/$branch" "$ref"; then
    git -C "$common" branch -D "$branch" >&2 || exit 1
    say deleted "$branch"
  else
    say kept "$branch"
  fi
done
`;

/**
 * In a repository holding the streams' branches (a worker's mirror, or a local repository): take
 * the base (from=origin: fetched from origin into a ref of this job's own, deleted after, as the
 * mirror's FETCH_HEAD is shared with the worker's fetches; from=local: the repository's own ref),
 * then for each branch say `branch`, `behind`, `ahead`, `files` (changed since the merge base) and
 * one `conflict` per file that would conflict with the base (`missing` for a branch that is not
 * there; `nobase` alone when the base is not). Conflicts come from `git merge-tree --write-tree`
 * (git 2.38+); an older git merges in a temporary worktree instead (removed after).
 * Arguments: base, from (origin or local), then branches.
 */
export const FIGURES_SCRIPT = `${PRELUDE}base=$1 from=$2
shift 2
own="refs/kingly/figures-$$" tmp=
trap '[ "$from" = local ] || git update-ref -d "$own" 2>/dev/null; [ -z "$tmp" ] || { git worktree remove --force "$tmp/checkout" >/dev/null 2>&1; rm -rf "$tmp"; git worktree prune; }' EXIT
if [ "$from" = origin ]; then git fetch --quiet --no-write-fetch-head origin -- "+$base:$own" >&2 || exit 1; ref=$own; else ref=$base; fi
ref=$(git rev-parse --verify -q --end-of-options "$ref^{commit}") || { say nobase "$base"; exit 0; }
for branch in "$@"; do
  tip=$(git rev-parse --verify -q "refs/heads/$branch^{commit}") || { say missing "$branch"; continue; }
  counts=$(git rev-list --left-right --count "$ref...$tip") || exit 1
  files=$(git diff --name-only "$ref...$tip") || exit 1
  say branch "$branch"
  say behind "\${counts%%[[:space:]]*}"
  say ahead "\${counts##*[[:space:]]}"
  say files "$(printf '%s' "$files" | grep -c '')"
  out=$(git merge-tree --write-tree --name-only --no-messages "$ref" "$tip" 2>/dev/null)
  case $? in
    0) ;;
    1) printf '%s\\n' "$out" | awk 'NR > 1 && $0 != "" && !seen[$0]++' | while IFS= read -r f; do say conflict "$f"; done ;;
    129)
      [ -n "$tmp" ] || { tmp=$(mktemp -d "\${TMPDIR:-/tmp}/kingly-figures-XXXXXX") && git worktree add --quiet --detach "$tmp/checkout" "$ref" >&2; } || exit 1
      (cd "$tmp/checkout" && git reset --quiet --hard "$ref" >&2 && { git $id merge --no-commit --no-ff --quiet "$tip" >/dev/null 2>&1 || conflicts; git merge --abort >/dev/null 2>&1; true; }) || exit 1 ;;
    *) echo "git merge-tree failed on $branch" >&2; exit 1 ;;
  esac
done
`;
