package sync

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/tracevault/tracevault/capture/spool"
)

// QueueVersion is the version of a queue entry.
const QueueVersion = 1

// QueueFile is the queue's file name inside the spool directory
// (.git/tracevault/).
const QueueFile = "queue.jsonl"

// maxErrorText caps the error text kept in a queue entry.
const maxErrorText = 1024

// QueueEntry says that traces are waiting to be sent to a remote. The
// work itself is not in the entry: it is whatever the local chain refs
// and notes hold that the remote lacks, so the next successful sync with
// the remote sends everything queued, however many pushes failed.
type QueueEntry struct {
	V      int    `json:"v"`
	Remote string `json:"remote"`
	// Since is the first failure, Last the latest.
	Since time.Time `json:"since"`
	Last  time.Time `json:"last"`
	// Attempts counts the failed or timed-out syncs since Since.
	Attempts int `json:"attempts"`
	// Error is the latest failure, with credentials removed from URLs.
	Error string `json:"error,omitempty"`
}

// Queue is the push queue of one repository.
type Queue struct {
	dir spool.Dir
}

// QueueFor returns the queue of the repository whose common git directory
// is commonDir.
func QueueFor(commonDir string) Queue { return Queue{dir: spool.ForGitDir(commonDir)} }

// Path is the queue file.
func (q Queue) Path() string { return q.dir.Path(QueueFile) }

// Entries returns the queued remotes, sorted by name. Lines that do not
// parse are skipped.
func (q Queue) Entries() ([]QueueEntry, error) {
	unlock, err := q.dir.Lock("queue")
	if err != nil {
		return nil, err
	}
	defer unlock()
	return q.read()
}

// Add records a failed sync with remote: a new entry, or one more attempt
// on the remote's entry.
func (q Queue) Add(remote string, at time.Time, cause error) error {
	return q.update(func(es []QueueEntry) []QueueEntry {
		text := ""
		if cause != nil {
			text = redactURLs(cause.Error())
			if len(text) > maxErrorText {
				text = text[:maxErrorText]
			}
		}
		at = at.UTC().Truncate(time.Millisecond)
		i := slices.IndexFunc(es, func(e QueueEntry) bool { return e.Remote == remote })
		if i < 0 {
			return append(es, QueueEntry{V: QueueVersion, Remote: remote, Since: at, Last: at, Attempts: 1, Error: text})
		}
		es[i].Last, es[i].Error = at, text
		es[i].Attempts++
		return es
	})
}

// Remove drops remote's entry (its traces were all sent).
func (q Queue) Remove(remote string) error {
	return q.update(func(es []QueueEntry) []QueueEntry {
		return slices.DeleteFunc(es, func(e QueueEntry) bool { return e.Remote == remote })
	})
}

func (q Queue) update(fn func([]QueueEntry) []QueueEntry) error {
	unlock, err := q.dir.Lock("queue")
	if err != nil {
		return err
	}
	defer unlock()
	es, err := q.read()
	if err != nil {
		return err
	}
	before := len(es)
	es = fn(es)
	if before == 0 && len(es) == 0 {
		return nil
	}
	return q.write(es)
}

func (q Queue) read() ([]QueueEntry, error) {
	data, err := os.ReadFile(q.Path())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading push queue: %w", err)
	}
	var es []QueueEntry
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e QueueEntry
		if json.Unmarshal(sc.Bytes(), &e) != nil || e.V != QueueVersion || checkRemoteName(e.Remote) != nil {
			continue // a damaged line: the refs still hold the work
		}
		if !slices.ContainsFunc(es, func(o QueueEntry) bool { return o.Remote == e.Remote }) {
			es = append(es, e)
		}
	}
	slices.SortFunc(es, func(a, b QueueEntry) int { return strings.Compare(a.Remote, b.Remote) })
	return es, nil
}

// write replaces the queue file atomically (temporary file and rename).
func (q Queue) write(es []QueueEntry) error {
	slices.SortFunc(es, func(a, b QueueEntry) int { return strings.Compare(a.Remote, b.Remote) })
	var buf bytes.Buffer
	for _, e := range es {
		line, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("encoding queue entry: %w", err)
		}
		buf.Write(line)
		buf.WriteByte('\n')
	}
	path := q.Path()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("writing push queue: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o600); err != nil {
		return fmt.Errorf("writing push queue: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("writing push queue: %w", err)
	}
	return nil
}

// userinfo matches the credentials part of a URL.
var userinfo = regexp.MustCompile(`://[^/@\s]+@`)

// redactURLs removes user names and passwords from URLs in s.
func redactURLs(s string) string { return userinfo.ReplaceAllString(s, "://") }
