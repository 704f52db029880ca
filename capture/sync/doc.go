// Package sync sends TraceVault's traces (writer chains and commit notes)
// to git remotes and brings them back: the trace part of the pre-push
// hook ([PrePush]), `tracevault sync` ([Sync]), merging what a plain
// `git fetch` brought ([Integrate]) and the push queue ([Queue]).
//
// # Which remotes get traces
//
// A remote is configured for traces when remote.<name>.fetch holds the
// refspec `tracevault init` (capture/install) adds for it:
//
//	+refs/notes/tracevault:refs/notes/tracevault-remote/<name>
//	+refs/tracevault/*:refs/tracevault-remote/<name>/*
//
// The first one is the marker ([ConfiguredRemotes], [FetchRefspecs]). No
// other configuration key exists: init's default (origin, when present)
// and its --remote list decide, uninstall removes the marker with the rest
// of init's configuration, and [Configure] adds it for callers outside
// init. Nothing is ever fetched from or pushed to any other remote: forks,
// deploy remotes and pushes to a bare URL get no trace from sync. A user's
// own push that names trace refs for such a remote (`git push --mirror
// fork`) is refused by [PrePush] with a *[LeakError]. remote.<name>.push
// is never set.
//
// # One sync with a remote
//
//  1. Fetch into tracking refs only, with one `git fetch` (hooks off, no
//     prompt): +refs/tracevault/log/*:refs/tracevault-remote/<r>/log/* and
//     +refs/notes/tracevault:refs/notes/tracevault-remote/<r>.
//  2. Notes: merge the tracking notes into refs/notes/tracevault (a
//     fast-forward when ours are behind, gitstore/notes' cat_sort_uniq
//     union when both moved), so our notes always descend from the
//     remote's.
//  3. Chains: a writer's chain that is absent here or an ancestor of the
//     remote's copy is fast-forwarded (so every writer's chain is local
//     for verify, log and blame); one that is ahead is pushed; one that
//     diverged is a fork of a signed chain: reported as a *[ForkError]
//     naming the writer, both copies kept (local ref and tracking ref),
//     not pushed.
//  4. Push, in one `git push` without '+' (never forced; hooks off):
//     refs/tracevault/log/<w>:refs/tracevault/log/<w> for each chain the
//     remote lacks or holds an older copy of, and the notes ref when it
//     holds anything the remote lacks. Each is a fast-forward.
//  5. A retryable rejection ([gitstore.PushResult.Retryable]: someone
//     pushed in between) starts again at 1, up to [DefaultAttempts]
//     rounds; any other failure ends the sync.
//
// [Sync] refreshes the tracking refs first (so refs a remote lost are
// sent again) and always fetches. [PrePush] starts optimistic: its first
// round trusts the tracking refs left by the last fetch or push (git
// updates them on push through init's refspecs) and pushes at once; a
// rejection brings in the fetch. That saves a round trip on the common
// push, where nobody else pushed traces since.
//
// # The pre-push budget
//
// PrePush never fails the user's push for a sync problem and never holds
// it past its budget: [DefaultBudget] (5 s), or [BudgetEnv]
// (TRACEVAULT_PUSH_BUDGET, "800ms" or "2.5"); zero only queues. At the
// deadline it returns and leaves the git command in flight to finish on
// its own: cancelling would SIGKILL git, which can leave a ref's .lock
// file behind and block that ref until someone deletes it. Internal git
// commands run with GIT_TERMINAL_PROMPT=0 and the user's hooks disabled
// (core.hooksPath=/dev/null, --no-verify), so the hook neither prompts nor
// recurses.
//
// # The push queue
//
// A sync that fails or runs out of time queues its remote in
// .git/tracevault/queue.jsonl (in the common git directory), rewritten
// whole (temporary file and rename) under the flock
// .git/tracevault/state/queue.lock. One JSON object per line, one line
// per remote, sorted by remote:
//
//	{"v":1,"remote":"origin","since":"2026-11-27T10:00:00.123Z","last":"2026-11-27T10:05:00.456Z","attempts":2,"error":"fetching from origin: ..."}
//
// The entry holds no refs: the work is whatever the local chains and
// notes hold that the remote lacks, so any later successful sync with the
// remote (the next PrePush to it, or [Sync]) sends all of it and removes
// the entry. Errors are stored with credentials stripped from URLs.
// Damaged lines are skipped. Sync drops entries of remotes that are no
// longer configured, unsent.
package sync
