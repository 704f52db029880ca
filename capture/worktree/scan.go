package worktree

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// Defaults for [ScanOptions] fields left zero.
const (
	DefaultMaxFiles    = 50_000
	DefaultBudget      = 1500 * time.Millisecond
	DefaultHashMaxSize = 1 << 20
)

// ScanOptions tunes [Scan]. The zero value gives the defaults.
type ScanOptions struct {
	// MaxFiles caps the entries recorded (0 means DefaultMaxFiles).
	MaxFiles int
	// Budget caps the wall time of the walk (0 means DefaultBudget).
	// Hashing stops, leaving Hash empty, once half of it is spent.
	Budget time.Duration
	// Index supplies the tracked paths; nil means ReadIndex(repo, false).
	Index *Index
	// Baseline is the snapshot this one will be compared with. A file
	// hashed in Baseline whose stat tuple is unchanged and was not racily
	// clean there keeps its hash without being read; other files hashed in
	// Baseline are hashed again, so that [Diff] can settle racily clean
	// files, and touched ones, by content.
	Baseline *Snapshot
	// HashMaxSize is the largest regular file hashed (0 means
	// DefaultHashMaxSize; negative disables hashing). Scan hashes files
	// that are racily clean (modified in or after the second the scan
	// began), files hashed in Baseline, and with HashAll every file.
	HashMaxSize int64
	HashAll     bool
	// ExcludesFile names an extra ignore file ranked below info/exclude,
	// such as the file core.excludesFile names. Scan reads no git config.
	ExcludesFile string
}

// Scan walks repo's work tree and fingerprints, with lstat, every regular
// file and symbolic link that is tracked or not ignored. It skips .git,
// directories holding a nested repository or submodule, and directories
// excluded by .gitignore files, info/exclude and ScanOptions.ExcludesFile,
// except that tracked files inside them are still recorded. Symbolic links
// are recorded, never followed. Unreadable directories and files that
// vanish mid-walk are skipped.
//
// When a limit is hit Scan returns the partial snapshot with Truncated set
// and a nil error. It fails only if the index cannot be read or the
// work-tree root cannot be listed.
func Scan(repo Repo, opts ScanOptions) (*Snapshot, error) {
	start := time.Now()
	w := &walker{
		root: repo.WorkTree, repo: repo, idx: opts.Index, opts: opts,
		snap: &Snapshot{Started: start.UnixNano()},
	}
	w.defaults(start)
	if w.idx == nil {
		idx, err := ReadIndex(repo, false)
		if err != nil {
			return nil, fmt.Errorf("scanning %s: %w", repo.WorkTree, err)
		}
		w.idx = idx
	}
	if opts.Baseline != nil {
		w.base = opts.Baseline.Entries
	}
	w.ign.global = w.globalIgnores()
	w.snap.Entries = make([]Entry, 0, min(len(w.idx.Entries)+len(w.idx.Entries)/8+64, w.opts.MaxFiles))
	if _, err := os.Stat(repo.WorkTree); err != nil {
		return nil, fmt.Errorf("scanning %s: %w", repo.WorkTree, err)
	}
	w.dir("")
	// The walk appends in path order; a file system that lists names
	// inconsistently must still not yield an unsorted snapshot.
	cmp := func(a, b Entry) int { return strings.Compare(a.Path, b.Path) }
	if !slices.IsSortedFunc(w.snap.Entries, cmp) {
		slices.SortFunc(w.snap.Entries, cmp)
		w.snap.Entries = slices.CompactFunc(w.snap.Entries, func(a, b Entry) bool { return a.Path == b.Path })
	}
	return w.snap, nil
}

type walker struct {
	root                   string
	repo                   Repo
	idx                    *Index // nil until index() reads it (Rescan)
	idxErr                 error
	opts                   ScanOptions
	snap                   *Snapshot
	ign                    ignorer
	watch                  *WatchList // set when listing what to watch (Watchable)
	base                   []Entry    // the baseline's entries, read in step with the walk
	bi                     int        // first base entry not yet passed
	deadline, hashDeadline time.Time
	stopped                bool
	buf                    []byte
}

// index returns the index, reading it on first use; an unreadable index
// reads as empty, with the error kept in idxErr.
func (w *walker) index() *Index {
	if w.idx == nil {
		w.idx, w.idxErr = ReadIndex(w.repo, false)
		if w.idxErr != nil {
			w.idx = &Index{}
		}
	}
	return w.idx
}

// osPath turns a repo-relative slash path into a file system path.
func (w *walker) osPath(rel string) string {
	if rel == "" {
		return w.root
	}
	return w.root + string(filepath.Separator) + filepath.FromSlash(rel)
}

// stop ends the walk; at is the first path not examined.
func (w *walker) stop(at string) {
	w.stopped, w.snap.Truncated, w.snap.TruncatedAt = true, true, at
}

// dir walks one directory in git's path order (a directory sorts as if its
// name ended in '/'), so that entries are appended sorted by full path.
func (w *walker) dir(rel string) {
	if time.Now().After(w.deadline) {
		w.stop(joinPath(rel, ""))
		return
	}
	ents, err := readDir(w.osPath(rel))
	if err != nil {
		return
	}
	if rel != "" && slices.ContainsFunc(ents, func(d fs.DirEntry) bool { return d.Name() == ".git" }) {
		return // a nested repository or submodule
	}
	if w.watch != nil {
		w.watch.addDir(rel)
	}
	pushed := false
	for _, d := range ents {
		if d.Name() == ".gitignore" && d.Type().IsRegular() {
			w.ign.dirs = append(w.ign.dirs, readIgnore(rel, w.osPath(joinPath(rel, ".gitignore"))))
			pushed = true
		}
	}
	for _, d := range ents {
		if w.stopped {
			break
		}
		if name := d.Name(); name != ".git" {
			w.entry(joinPath(rel, name), name, d.Type())
		}
	}
	if pushed {
		w.ign.dirs = w.ign.dirs[:len(w.ign.dirs)-1]
	}
}

// entry records what the walk meets at path (named name, of type typ): a
// directory is walked (or, ignored, only its tracked files recorded), a file
// or symbolic link recorded unless ignore rules cover it and it is not
// tracked.
func (w *walker) entry(path, name string, typ fs.FileMode) {
	switch {
	case typ.IsDir():
		if w.ign.ignored(path, name, true) {
			w.trackedUnder(path)
		} else {
			w.dir(path)
		}
	case typ.IsRegular() || typ&fs.ModeSymlink != 0:
		if !w.ign.ignored(path, name, false) {
			w.file(path)
		} else if _, ok := w.index().Lookup(path); ok {
			w.trackedFile(path)
		}
	}
}

// trackedUnder records the tracked files inside an ignored directory
// without listing it.
func (w *walker) trackedUnder(dir string) {
	last := ""
	for _, e := range w.index().under(dir) {
		if w.stopped {
			return
		}
		if e.Path != last && e.Mode != 0o160000 {
			w.trackedFile(e.Path)
		}
		last = e.Path
	}
}

// trackedFile records a tracked file that ignore rules cover.
func (w *walker) trackedFile(path string) {
	if w.watch != nil {
		w.watch.addTracked(path)
		return
	}
	w.file(path)
}

// file lstats one path and appends it, enforcing the limits.
func (w *walker) file(path string) {
	if w.watch != nil {
		return // listing what to watch: files need no look
	}
	if len(w.snap.Entries) >= w.opts.MaxFiles ||
		(len(w.snap.Entries)%64 == 0 && time.Now().After(w.deadline)) {
		w.stop(path)
		return
	}
	osp := w.osPath(path)
	fi, err := os.Lstat(osp)
	if err != nil {
		return
	}
	m := fi.Mode()
	if !m.IsRegular() && m&fs.ModeSymlink == 0 {
		return
	}
	st := fileState(fi)
	old, inBase := w.baseline(path)
	rehash := inBase && old.Hash != ""
	if rehash && old.sameStat(st) && !w.opts.Baseline.racy(old.FileState) {
		// Settled by an earlier read: the content has not changed since.
		st.Hash, rehash = old.Hash, false
	}
	if st.Hash == "" && w.wantHash(st, rehash) {
		if m.IsRegular() {
			st.Hash = w.hash(osp)
		} else if target, err := os.Readlink(osp); err == nil {
			sum := sha256.Sum256([]byte(target))
			st.Hash = hex.EncodeToString(sum[:])
		}
	}
	w.snap.Entries = append(w.snap.Entries, Entry{Path: path, FileState: st})
}

// baseline returns the baseline's entry for path. The walk visits paths in
// sorted order, so a cursor finds it; a path out of order (a file system
// listing names inconsistently) falls back to a binary search.
func (w *walker) baseline(path string) (Entry, bool) {
	if w.bi > 0 && w.base[w.bi-1].Path >= path {
		if st, ok := w.opts.Baseline.Lookup(path); ok {
			return Entry{Path: path, FileState: st}, true
		}
		return Entry{}, false
	}
	for w.bi < len(w.base) && w.base[w.bi].Path < path {
		w.bi++
	}
	if w.bi < len(w.base) && w.base[w.bi].Path == path {
		w.bi++
		return w.base[w.bi-1], true
	}
	return Entry{}, false
}

// wantHash reports whether to read a file with state st: rehash is set
// for a file hashed in the baseline whose hash could not be kept.
func (w *walker) wantHash(st FileState, rehash bool) bool {
	if w.opts.HashMaxSize < 0 || st.Size > w.opts.HashMaxSize {
		return false
	}
	if !w.opts.HashAll && !w.snap.racy(st) && !rehash {
		return false
	}
	return time.Now().Before(w.hashDeadline)
}

// hash returns the hex SHA-256 of a file, or "" if it cannot be read.
func (w *walker) hash(osPath string) string {
	f, err := os.Open(osPath)
	if err != nil {
		return ""
	}
	defer f.Close()
	if w.buf == nil {
		w.buf = make([]byte, 32<<10)
	}
	h := sha256.New()
	if _, err := io.CopyBuffer(h, io.LimitReader(f, w.opts.HashMaxSize+1), w.buf); err != nil {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
}

func joinPath(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

// readDir lists a directory sorted in git's order.
func readDir(path string) ([]fs.DirEntry, error) {
	// Opened with a plain system call: os.Open would register the
	// descriptor with the runtime's poller (four fcntl and an epoll_ctl
	// that fails for a directory), per directory of the work tree.
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	for err == syscall.EINTR {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	}
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	f := os.NewFile(uintptr(fd), path)
	ents, err := f.ReadDir(-1)
	f.Close()
	if err != nil {
		return nil, err
	}
	slices.SortFunc(ents, func(a, b fs.DirEntry) int {
		return gitNameCompare(a.Name(), a.IsDir(), b.Name(), b.IsDir())
	})
	return ents, nil
}

// gitNameCompare orders names as git orders tree entries: a directory
// compares as if its name ended in '/'.
func gitNameCompare(a string, aDir bool, b string, bDir bool) int {
	n := min(len(a), len(b))
	if c := strings.Compare(a[:n], b[:n]); c != 0 {
		return c
	}
	next := func(s string, dir bool) int {
		switch {
		case len(s) > n:
			return int(s[n])
		case dir:
			return '/'
		}
		return -1
	}
	return next(a, aDir) - next(b, bDir)
}

// readIgnore parses one ignore file; a missing or oversized file is empty.
func readIgnore(base, path string) *ignoreList {
	fi, err := os.Lstat(path)
	if err != nil || !fi.Mode().IsRegular() || fi.Size() > maxIgnoreFile {
		return &ignoreList{base: base}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return &ignoreList{base: base}
	}
	return parseIgnore(base, data)
}
