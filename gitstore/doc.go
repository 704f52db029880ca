// Package gitstore is TraceVault's only door to git: the [Store]
// interface (objects, refs with compare-and-swap), the optional
// [History] and [Remotes] roles, the [Hash], [TreeEntry] and [Commit]
// types with their strict encoders and parsers, and the sentinel errors.
// It depends on the standard library only; backends live in
// subpackages (gitcli, memstore) and notes mechanics in gitstore/notes.
//
// # Interfaces
//
// [Store] is deliberately small: raw object reads and batched writes
// ([Objects]) plus ref reads and transactional compare-and-swap updates
// ([Refs]). Blobs, trees and commits are written through helpers
// ([WriteBlob], [WriteTree], [WriteCommit], [Batch]) that encode in this
// package, so every backend sorts trees and formats commits identically
// and ids match `git hash-object` by construction. The contract suite
// gitstore/storetest runs against every backend.
//
// [History] (ancestry, rev-list, zero-context diffs) and [Remotes]
// (fetch and push) are implemented by the git backend only.
//
// # Stored formats
//
// Objects are git's: an id is the SHA-1 of "<type> <size>\x00<data>"
// ([HashObject]). A tree is a sequence of "<octal mode> <name>\x00<20-byte
// id>" entries in git order, where a directory compares as its name plus
// '/' (so "a.b" < "a/" < "a0"); only the five canonical modes are valid
// and names may not be empty, ".", "..", ".git" or contain '/' or NUL. A
// commit is "tree", "parent"*, "author", "committer" and extra header
// lines, a blank line and the message. [ParseTree] and [ParseCommit]
// accept only bytes that their encoders reproduce exactly; signatures are
// always verified over the stored bytes ([Objects.ReadObject]), never
// over a re-encoding. See [ExampleEncodeTree].
//
// # Why the git binary is the default backend
//
// Measured on our 2-core machines (DESIGN.md §7, reference/git-storage.md
// §3.7): go-git's CheckAndSetReference is not safe across processes (two
// processes adding 100 notes each lost 81 of 201 updates), while
// `git update-ref` with an old value lost none (our own test:
// 4 processes × 50 appends, 0 lost). go-git writes loose objects (the
// gc.auto trap) and has no notes API; linking it adds ≈17 ms (8.4 ms of
// init) to every process, which the agent hook cannot afford. git's
// plumbing batches well: one `cat-file --batch` reads 1,000 notes in
// ≈0.26 s and `update-ref --stdin` transactions are atomic. A go-git
// backend may come later for in-process server reads, behind the same
// interface and contract suite.
//
// # Errors
//
// Conditions callers branch on are sentinels, tested with [errors.Is]:
// [ErrNotFound] (object or ref), [ErrRefConflict] (a lost
// compare-and-swap: re-read and retry), [ErrInvalidRef],
// [ErrInvalidObject] and [ErrPushRejected] (a retryable push refusal).
// A failed git command is a *[GitError] carrying its arguments, exit code
// and standard error; its Err field holds the sentinel the backend
// recognised, so errors.Is and errors.As both work on the same value.
// Messages name the operation and the object: "updating 1 refs
// (refs/tracevault/log/w1...): git ... exit 128: fatal: cannot lock ref".
package gitstore
