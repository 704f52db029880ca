package worktree

import (
	"fmt"
	"os"
	"slices"
	"time"
)

// WatchList is what a file system watcher must watch to see every change
// that would make a [Scan] differ: see [Watchable].
type WatchList struct {
	// Dirs are the directories the walk lists ("" is the work tree's
	// root), and the directories down to every tracked file that ignore
	// rules cover, sorted.
	Dirs []string
	// Tracked are the tracked files that ignore rules cover, sorted: they
	// are recorded only while tracked, so a change of the index can add or
	// remove them without any change on disk.
	Tracked []string

	seen map[string]bool
}

func (l *WatchList) addDir(d string) {
	if !l.seen[d] {
		l.seen[d] = true
		l.Dirs = append(l.Dirs, d)
	}
}

// addTracked records a tracked, ignored file and the directories above it.
func (l *WatchList) addTracked(p string) {
	l.Tracked = append(l.Tracked, p)
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			l.addDir(p[:i])
		}
	}
	l.addDir("")
}

// Watchable lists what a watcher must watch under root ("" for the whole
// work tree) to see every change [Rescan] needs to be told of: it walks as
// Scan does, with the same ignore rules and index, but looks at no file.
// A root that is ignored, inside a nested repository or gone yields only
// what tracked files it holds.
func Watchable(repo Repo, root string) (*WatchList, error) {
	l := &WatchList{seen: map[string]bool{}}
	w := &walker{root: repo.WorkTree, repo: repo, watch: l, snap: &Snapshot{}}
	w.defaults(time.Now())
	w.deadline = time.Now().Add(24 * time.Hour) // a watcher lists in the background: no budget
	w.ign.global = w.globalIgnores()
	if root == "" {
		if _, err := os.Stat(repo.WorkTree); err != nil {
			return nil, fmt.Errorf("listing %s: %w", repo.WorkTree, err)
		}
		w.dir("")
	} else {
		if !validPath(root) {
			return nil, fmt.Errorf("listing %s: invalid path %q", repo.WorkTree, root)
		}
		w.look(root)
	}
	if w.idxErr != nil {
		return nil, fmt.Errorf("listing %s: %w", repo.WorkTree, w.idxErr)
	}
	slices.Sort(l.Dirs)
	slices.Sort(l.Tracked)
	l.Tracked = slices.Compact(l.Tracked)
	l.seen = nil
	return l, nil
}
