// Package gitcli implements [gitstore.Store], [gitstore.History] and
// [gitstore.Remotes] over the git binary, TraceVault's default backend.
//
// Every command runs as `git --git-dir=<dir> ...` with LC_ALL=C and
// GIT_TERMINAL_PROMPT=0, with GIT_DIR, GIT_WORK_TREE and similar
// variables removed from the environment (git sets them for hooks), and
// with payloads on standard input, never in argv. Failures are
// *[gitstore.GitError] values carrying the exit code and standard error.
//
// Costs, per call:
//   - [Open]: one `git rev-parse`.
//   - Reads: one long-lived `git cat-file --batch` per Store, shared under
//     a mutex; ReadObjects of n objects is one exchange.
//   - Writes: below 100 objects (git's transfer.unpackLimit) WriteObjects
//     writes loose files in process, exactly as git does (zlib level 1,
//     temporary file, link into objects/xx/; see loose.go), after one
//     cat-file exchange that leaves out objects already stored. Settings
//     the in-process writer does not apply (core.sharedRepository, the
//     fsync and compression settings; read once with `git config`, or
//     handed over with [Store.SetWriteConfig]) send these writes to
//     `git unpack-objects` instead. From 100 objects up it builds an
//     undeltified pack in memory for `git index-pack --stdin` (one pack,
//     no loose-object flood).
//   - Refs: one `git for-each-ref` per ResolveRef or ListRefs; one
//     `git update-ref --stdin` transaction (start, prepare, commit) per
//     UpdateRefs, whose lock-file compare-and-swap is safe across
//     processes.
//   - Fetch and Push run with core.hooksPath=/dev/null, --no-verify,
//     --no-tags, no auto-maintenance, and refuse forced refspecs except
//     fetches into tracking refs the caller explicitly allows.
//   - DiffTree: one `git diff-tree -r -p -U0`, parsed by [ParseDiff].
package gitcli
