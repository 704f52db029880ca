// Package spool is the local, append-only store that agent hooks write to:
// one JSON-lines file per session under .git/tracevault/spool/, a
// content-addressed blob store for file snapshots, and small per-session state
// files. Nothing here is ever inside the work tree, and nothing is written
// before it has been redacted by the caller.
//
// # Layout
//
//	.git/tracevault/
//	  spool/<session>.jsonl   one Record per line, appended under flock
//	  blobs/<aa>/pack         file contents whose SHA-256 starts with byte aa, back to back
//	  blobs/<aa>/idx          one 48-byte record per content in pack: SHA-256 (32 bytes),
//	                          offset and length in pack (big-endian uint64 each)
//	  blobs/<aa>/<rest>       a content stored by an older build, one file each (still read)
//	  state/<session>.json    per-session state (transcript offsets, ...), under flock
//	  state/worktree.snap     the last observed work-tree snapshot (capture/worktree)
//	  state/watch.lock        held by the repository's hook server and work-tree watcher
//	  state/watch.sock        the watcher's socket (capture/fswatch)
//	  state/hook.sock         the hook server's socket (capture/hookwire)
//	  state/pending.jsonl     commits queued for post-commit work (pending.go)
//	  state/worker.lock       held by the post-commit worker while it runs
//	  state/worker.fifo       named pipe the post-commit hook wakes it through (worker.go)
//	  hook.log                problems hooks met (never the payloads)
//
// A blob's name is the hash of its (redacted) content, so content whose hash
// names a stored blob is already redacted: [Dir.PutRedacted] stores it
// without redacting it again (redaction is idempotent).
//
// # Record format
//
// Each line of a spool file is one JSON object (a [Record]) followed by '\n':
//
//	{"v":1,"at":"2026-11-27T10:00:00.123Z","agent":"claude-code","payload":{...}}
//
// payload is the agent's hook payload after redaction, byte for byte as
// redacted (so a parser bug can be fixed and the spool replayed). When stdin
// was not a JSON object, payload is a JSON string holding (a capped, redacted
// copy of) what arrived and "invalid" says why. Other optional fields carry
// what only the hook could see at that moment: observed work-tree edits, token
// usage and tool calls (uses and results) tailed from the transcript, HEAD at
// session start, policy denials. A payload over 1 MiB has its long strings cut
// before it is decoded (see hookrun.MaxPayload).
//
// # Durability and concurrency
//
// Appends take an exclusive flock on the spool file, repair a torn tail left
// by a writer killed mid-write (by adding the missing '\n'), and write the
// record with a single write call. Concurrent hooks are therefore serialised:
// no record is lost or duplicated, and a record whose write returned before the
// hook exited (an acknowledged record) survives any later kill. Readers skip a
// line that does not parse (a torn, unacknowledged record) and count it.
// Records are not fsynced: they survive a killed process, not a power cut.
//
// A blob shard is appended to under the exclusive flock of its idx: the
// content first, then its record, so a record always names complete bytes.
// A writer killed between the two leaves unreferenced bytes in pack; one
// killed inside the record leaves a short record, which the next writer
// writes over. Readers take the lock shared and check every content against
// its hash. State files (session state, the agent-after map, the day's
// spend) are changed in place under their own flock held exclusively
// ([Update]) and read under it shared ([ReadShared]).
package spool
