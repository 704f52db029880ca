package worktree

import (
	"fmt"
	"os"
	"path"
	"slices"
	"strings"
	"time"
)

// RescanLook returns the look [LookFrom] would give comparing prev with a
// new [Scan], given the paths that may have changed since prev was taken
// (as a file system watcher reports them), and a function that builds that
// new snapshot. Every other path is taken to be unchanged: its entry is
// copied from prev without a system call. Each path in touched is looked at
// again whole: the file there, or the directory there and everything under
// it, with the same ignore rules, index and hashing as Scan (prev serves as
// the baseline). A path that is gone removes prev's entries for it and below
// it. The look costs in proportion to what was touched; next, called only
// when the look is kept, to the size of the tree.
//
// RescanLook falls back to a full Scan when it cannot stand in for one:
// prev nil or truncated, a touched .gitignore (the rules changed), a touched
// path that is not a clean relative path, or a limit hit.
func RescanLook(repo Repo, prev *Snapshot, touched []string, opts ScanOptions) (l *Look, next func() *Snapshot, err error) {
	opts.Baseline = prev
	full := func() (*Look, func() *Snapshot, error) {
		cur, err := Scan(repo, opts)
		if err != nil {
			return nil, nil, err
		}
		l, err := LookFrom(repo, prev, cur)
		return l, func() *Snapshot { return cur }, err
	}
	if prev == nil || prev.Truncated {
		return full()
	}
	roots := make([]string, 0, len(touched))
	for _, p := range touched {
		if !validPath(p) || path.Base(p) == ".gitignore" {
			return full()
		}
		roots = append(roots, p)
	}
	roots = outermost(roots)
	start := time.Now()
	w := &walker{
		root: repo.WorkTree, repo: repo, idx: opts.Index, opts: opts,
		snap: &Snapshot{Started: start.UnixNano()},
	}
	w.defaults(start)
	w.base = prev.Entries
	w.ign.global = w.globalIgnores()
	l = &Look{}
	before, after := &Snapshot{Started: prev.Started}, &Snapshot{Started: w.snap.Started}
	gone := 0
	for _, r := range roots {
		from := len(w.snap.Entries)
		w.look(r)
		if w.stopped {
			return full()
		}
		// Compare what prev held at and below r with what is there now.
		after.Entries = sortEntries(w.snap.Entries[from:])
		before.Entries = before.Entries[:0]
		if e, ok := prev.Lookup(r); ok {
			before.Entries = append(before.Entries, Entry{Path: r, FileState: e})
		}
		before.Entries = append(before.Entries, below(prev.Entries, r)...)
		gone += len(before.Entries)
		l.Changes = append(l.Changes, Diff(before, after)...)
	}
	if w.idxErr != nil {
		return nil, nil, fmt.Errorf("scanning %s: %w", repo.WorkTree, w.idxErr)
	}
	if len(prev.Entries)-gone+len(w.snap.Entries) > w.opts.MaxFiles {
		return full()
	}
	slices.SortFunc(l.Changes, func(a, b Change) int { return strings.Compare(a.Path, b.Path) })
	fresh := sortEntries(w.snap.Entries)
	return l, func() *Snapshot {
		out := make([]Entry, 0, len(prev.Entries)-gone+len(fresh))
		for _, e := range prev.Entries {
			if !coveredBy(e.Path, roots) {
				out = append(out, e)
			}
		}
		w.snap.Entries = mergeEntries(out, fresh)
		return w.snap
	}, nil
}

// sortEntries sorts entries by path, dropping repeats, in place.
func sortEntries(es []Entry) []Entry {
	cmp := func(a, b Entry) int { return strings.Compare(a.Path, b.Path) }
	if slices.IsSortedFunc(es, cmp) {
		return es
	}
	slices.SortFunc(es, cmp)
	return slices.CompactFunc(es, func(a, b Entry) bool { return a.Path == b.Path })
}

// below returns the entries of sorted es that lie below directory dir:
// those starting with dir+"/", which sort together.
func below(es []Entry, dir string) []Entry {
	prefix := dir + "/"
	lo, _ := slices.BinarySearchFunc(es, prefix, func(e Entry, p string) int { return strings.Compare(e.Path, p) })
	hi := lo
	for hi < len(es) && strings.HasPrefix(es[hi].Path, prefix) {
		hi++
	}
	return es[lo:hi]
}

// defaults fills the zero options and the deadlines.
func (w *walker) defaults(start time.Time) {
	if w.opts.MaxFiles <= 0 {
		w.opts.MaxFiles = DefaultMaxFiles
	}
	if w.opts.Budget <= 0 {
		w.opts.Budget = DefaultBudget
	}
	if w.opts.HashMaxSize == 0 {
		w.opts.HashMaxSize = DefaultHashMaxSize
	}
	w.deadline, w.hashDeadline = start.Add(w.opts.Budget), start.Add(w.opts.Budget/2)
}

// globalIgnores reads the repository-wide ignore lists.
func (w *walker) globalIgnores() []*ignoreList {
	g := []*ignoreList{readIgnore("", w.repo.CommonDir+string(os.PathSeparator)+"info"+string(os.PathSeparator)+"exclude")}
	if w.opts.ExcludesFile != "" {
		g = append(g, readIgnore("", w.opts.ExcludesFile))
	}
	return g
}

// look records what is at p now, as the full walk would: the ignore lists
// of p's ancestors are loaded first, and an ancestor that is ignored, a
// nested repository or not a directory decides what p can hold.
func (w *walker) look(p string) {
	w.ign.dirs = append(w.ign.dirs[:0], readIgnore("", w.osPath(".gitignore")))
	for i := 0; i < len(p); i++ {
		if p[i] != '/' {
			continue
		}
		dir := p[:i]
		name := path.Base(dir)
		if name == ".git" {
			return
		}
		fi, err := os.Lstat(w.osPath(dir))
		if err != nil || !fi.IsDir() {
			return // gone, so is p
		}
		if w.ign.ignored(dir, name, true) {
			w.trackedAt(p) // only tracked files live in an ignored directory
			return
		}
		if _, err := os.Lstat(w.osPath(dir + "/.git")); err == nil {
			return // a nested repository or submodule
		}
		w.ign.dirs = append(w.ign.dirs, readIgnore(dir, w.osPath(dir+"/.gitignore")))
	}
	name := path.Base(p)
	if name == ".git" {
		return
	}
	if fi, err := os.Lstat(w.osPath(p)); err == nil {
		w.entry(p, name, fi.Mode().Type())
	}
}

// trackedAt records the tracked files at or below p, which lies in an
// ignored directory.
func (w *walker) trackedAt(p string) {
	if e, ok := w.index().Lookup(p); ok && e.Mode != 0o160000 {
		w.trackedFile(p)
	}
	w.trackedUnder(p)
}

// outermost sorts paths and drops those below another one of them.
func outermost(paths []string) []string {
	slices.Sort(paths)
	paths = slices.Compact(paths)
	out := paths[:0]
	for _, p := range paths {
		if len(out) > 0 && under(p, out[len(out)-1]) {
			continue
		}
		out = append(out, p)
	}
	return out
}

// under reports whether p is dir or lies below it.
func under(p, dir string) bool {
	return p == dir || len(p) > len(dir) && p[len(dir)] == '/' && p[:len(dir)] == dir
}

// coveredBy reports whether p is one of roots (sorted) or lies below one:
// whether p or one of its ancestor directories is a root.
func coveredBy(p string, roots []string) bool {
	if _, found := slices.BinarySearch(roots, p); found {
		return true
	}
	for i := len(p) - 1; i > 0; i-- {
		if p[i] == '/' {
			if _, found := slices.BinarySearch(roots, p[:i]); found {
				return true
			}
		}
	}
	return false
}

// mergeEntries merges two path-sorted entry lists without duplicates (b
// wins a tie).
func mergeEntries(a, b []Entry) []Entry {
	if len(b) == 0 {
		return a
	}
	out := make([]Entry, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		switch c := strings.Compare(a[0].Path, b[0].Path); {
		case c < 0:
			out, a = append(out, a[0]), a[1:]
		case c > 0:
			out, b = append(out, b[0]), b[1:]
		default:
			out, a, b = append(out, b[0]), a[1:], b[1:]
		}
	}
	out = append(out, a...)
	return append(out, b...)
}
