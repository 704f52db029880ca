package linker

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/tracevault/tracevault/capture/spool"
	"github.com/tracevault/tracevault/gitstore"
)

// The committed log (.git/tracevault/state/committed.log) remembers which
// file contents commits recorded, one "<path>\t<spool hash>\t<commit>" line
// each, so that post-commit knows where a file's observed history was last
// committed in the history of the commit at hand (see spoolView.relevant).
// It is a cache: losing it only makes attribution replay more edits.

const (
	committedFile = "committed.log"
	// maxCommitted bounds the log; past it the older half is dropped.
	maxCommitted = 1 << 20
)

type committedKey struct{ path, hash string }

// committedEntry is one line of the log.
type committedEntry struct {
	committedKey
	commit gitstore.Hash
}

func loadCommitted(d spool.Dir) (map[committedKey][]gitstore.Hash, error) {
	b, err := os.ReadFile(d.Path("state", committedFile))
	if errors.Is(err, fs.ErrNotExist) {
		return map[committedKey][]gitstore.Hash{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", committedFile, err)
	}
	out := map[committedKey][]gitstore.Hash{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) != 3 {
			continue
		}
		if c, err := gitstore.ParseHash(f[2]); err == nil {
			k := committedKey{f[0], f[1]}
			out[k] = append(out[k], c)
		}
	}
	return out, nil
}

// recordCommitted appends committed contents to the log.
func recordCommitted(d spool.Dir, keys []committedEntry) error {
	if len(keys) == 0 {
		return nil
	}
	unlock, err := d.Lock(committedFile)
	if err != nil {
		return err
	}
	defer unlock()
	path := d.Path("state", committedFile)
	var buf bytes.Buffer
	for _, k := range keys {
		if strings.ContainsAny(k.path, "\t\n") {
			continue
		}
		fmt.Fprintf(&buf, "%s\t%s\t%s\n", k.path, k.hash, k.commit)
	}
	if fi, err := os.Stat(path); err == nil && fi.Size() > maxCommitted {
		old, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		old = old[len(old)/2:]
		if i := bytes.IndexByte(old, '\n'); i >= 0 {
			old = old[i+1:]
		}
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, append(old, buf.Bytes()...), 0o600); err != nil {
			return err
		}
		return os.Rename(tmp, path)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("opening %s: %w", committedFile, err)
	}
	if _, err := f.Write(buf.Bytes()); err != nil {
		f.Close()
		return fmt.Errorf("appending to %s: %w", committedFile, err)
	}
	return f.Close()
}
