// Package record stores TraceVault records as signed, hash-chained git
// objects and reads and verifies them back over their exact stored bytes.
//
// Each writer (a user on a machine, identified by its signing key) has one
// ref, refs/tracevault/log/<writer-id>, whose first-parent commit history is
// the writer's chain: every commit adds one record. So the number of refs
// grows with writers, never with sessions. The byte layout of a record, its
// signature and the chain rules are specified in docs/format.md; Verify
// enforces them and names the object at fault.
//
// Commit notes on refs/notes/tracevault link commits to records. They are
// small, line-oriented (a cat_sort_uniq merge is always correct) and
// derivable from the commit records, so losing a note is never losing data.
package record
