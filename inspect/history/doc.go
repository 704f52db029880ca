// Package history reads the TraceVault traces of many commits at once: the
// notes on refs/notes/tracevault, the commit and session records the notes
// link, and the verification of every writer chain those records live in.
//
// Whatever the number of commits, a [Reader] costs a fixed number of git
// operations: one `for-each-ref` of the chain refs and the notes ref, one
// walk of the notes tree (one batched tree read per fanout level, over the
// long-lived `git cat-file --batch` process; for a few commits only the
// subtrees on their paths, taken from an on-disk cache keyed by tree id
// when there) plus one batched read of the note blobs, and three batched
// object reads (commits, trees, blobs) for each kind of record linked. It
// never starts a process per commit.
//
// Each writer chain a note links is verified with [record.Verify] against
// .tracevault/allowed_signers once per run, and the result is cached on
// disk under the git directory keyed by the chain tip and the signers
// file: at an unchanged tip nothing of the chain is read, a chain that
// grew has only its new records read and verified ([record.VerifyFrom]) as
// the continuation of the cached prefix (the whole chain when they do not
// continue it), and a change of trusted keys re-verifies everything. A
// trace whose chain fails verification, whose record is not the one its
// chain holds at that sequence number, or whose note differs from the note
// its records render is [StatusUnverified], with the reasons in
// [Trace.Problems]; a commit without a note is [StatusNoTrace]. Gaps and
// failures are information, never skipped.
package history
