// Package notes reads and writes a git notes ref (such as
// refs/notes/tracevault) on top of a [gitstore.Store], in the format git
// itself uses, so `git notes --ref=<name> show <commit>` and
// `git log --notes=<name>` read what it writes.
//
// # Format
//
// A notes ref points at a commit whose tree maps annotated commits to
// note blobs. The path of a note is the annotated commit's 40-character
// hex id, optionally split into "fanout" directories of two characters:
//
//	3f/786850e387550fdab836ed7e6dc881de23001b    (fanout 1)
//	3f786850e387550fdab836ed7e6dc881de23001b     (flat)
//
// Readers accept any fanout depth and any mix of depths. When the same
// commit appears under several paths (mixed fanout written by different
// tools), Read concatenates the variants in path order, as git does.
//
// Writers here keep the tree in one normalized fanout: flat below 256
// notes, one level below 65,536, two levels above. A full rewrite drops
// every other fanout variant of a note, the duplicate that made
// `git notes show` print two concatenated JSON documents in git-ai
// (#1074, #1517), and entries that are not notes. Writing a few notes into
// a tree that already has one or two fanout levels, uniform along their
// paths, rewrites only the trees on those paths (reading the root, the
// subtrees on the paths and one more): O(notes written), not O(notes), so
// post-commit stays fast on a long history. It keeps the depth it finds; a
// removal, a flat tree, any mixed fanout or foreign entry on a path, or a
// one-level leaf growing past 512 notes gets the full rewrite instead (so a
// tree moves to two levels somewhat after 65,536 notes, not exactly there).
//
// Each write is one notes commit for a whole batch, installed with a
// compare-and-swap on the ref and retried (re-read, re-apply) when
// another writer got there first.
//
// # Line sets
//
// TraceVault's notes are sets of independent lines. [Notes.Add] and
// [Notes.Merge] combine notes with git's cat_sort_uniq rule
// ([CatSortUniq]): the union of non-empty lines, sorted bytewise, without
// duplicates, each ending in a newline. The same rule set as
// notes.rewriteMode keeps git's own copies on amend and rebase
// consistent with ours.
package notes
