// Package verify builds the policy engine's commit-range input
// ([policy.RangeInput]) from git, and verifies every trace it uses on the
// way. It is the one builder behind pre-push `tracevault check` and CI
// `tracevault verify`, so the two give the same verdict bytes for the same
// range.
//
// For each commit of a range (oldest first) it collects:
//
//   - the author e-mail and the commit message's trailers;
//   - the changed files and their added lines, from git's diff against the
//     first parent (merge commits are not judged: their changes are judged
//     in the commits they merge);
//   - the trace: the note on refs/notes/tracevault (combined, as git's
//     cat_sort_uniq does, with every refs/notes/tracevault-remote/* copy),
//     the commit record each of its "tv1 record" lines names, and the
//     session records the commit record references.
//
// A trace is "ok" only when every record it uses sits on a writer chain
// (refs/tracevault/log/<writer> or a fetched refs/tracevault-remote/<remote>/log/<writer>)
// that [record.Verify] accepts against .tracevault/allowed_signers, the
// commit record names this commit, and the note's tv1 lines are exactly the
// lines [record.RenderNote] derives from its records. A commit without a
// note is "missing"; anything else is "invalid", with the reason in
// [Trace.Error]. Attribution (AI lines, origins, sessions) comes only from
// traces that are ok.
//
// Usage is attributed once per range: a session's totals count toward the
// oldest commit of the range that references it, so per-range sums are not
// inflated by sessions spanning commits. Author-day sums cover the range
// only (the server sees more).
//
// The package uses only the standard library and project packages; all git
// access goes through [record.Store].
package verify
