package spool

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func rec(i int) *Record {
	return &Record{At: time.Unix(int64(i), 0).UTC(), Agent: "claude-code", Payload: json.RawMessage(fmt.Sprintf(`{"n":%d}`, i))}
}

func TestAppendRead(t *testing.T) {
	d := Dir(t.TempDir())
	for i := 0; i < 3; i++ {
		if err := d.Append("s1", rec(i)); err != nil {
			t.Fatal(err)
		}
	}
	res, err := d.Read("s1")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Records) != 3 || res.Skipped != 0 {
		t.Fatalf("Read = %d records, %d skipped; want 3, 0", len(res.Records), res.Skipped)
	}
	names, _ := d.Sessions()
	if len(names) != 1 || names[0] != "s1" {
		t.Fatalf("Sessions() = %v", names)
	}
}

// TestTornTail: a writer killed mid-record leaves a line without '\n'; the
// next append must not glue its record to it.
func TestTornTail(t *testing.T) {
	d := Dir(t.TempDir())
	if err := d.Append("s", rec(1)); err != nil {
		t.Fatal(err)
	}
	f, _ := os.OpenFile(d.Path("spool", "s.jsonl"), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"v":1,"at":"2026-01-01T00:00:00Z","agent":"claude-co`)
	f.Close()
	if err := d.Append("s", rec(2)); err != nil {
		t.Fatal(err)
	}
	res, _ := d.Read("s")
	if len(res.Records) != 2 || res.Skipped != 1 {
		t.Fatalf("after torn tail: %d records, %d skipped; want 2, 1", len(res.Records), res.Skipped)
	}
}

func TestSafeName(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"abc-123_X.y", "abc-123_X.y"},
		{"", "_unknown"},
		{"../etc/passwd", "x-"},
		{"\xff\xfe", "x-"},
	} {
		got := SafeName(tt.in)
		if got != tt.want && !(tt.want == "x-" && len(got) == 26 && got[:2] == "x-") {
			t.Errorf("SafeName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestBlobs(t *testing.T) {
	d := Dir(t.TempDir())
	h, err := d.PutBlob([]byte("hello\n"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := d.Blob(h)
	if err != nil || string(b) != "hello\n" {
		t.Fatalf("Blob(%s) = %q, %v", h, b, err)
	}
	if _, err := d.Blob(Hash([]byte("other"))); err == nil {
		t.Fatal("Blob of an unknown hash succeeded")
	}
}

// TestPutRedacted: content is stored redacted; content already stored as it
// is is not redacted again; what redaction changes gets the redacted hash.
func TestPutRedacted(t *testing.T) {
	d := Dir(t.TempDir())
	calls := 0
	mask := func(b []byte) []byte {
		calls++
		if i := bytes.Index(b, []byte("SECRET")); i >= 0 {
			return append(append(append([]byte(nil), b[:i]...), "[REDACTED:x]"...), b[i+6:]...)
		}
		return b
	}
	h1, err := d.PutRedacted([]byte("a SECRET b\n"), mask)
	if err != nil || h1 != Hash([]byte("a [REDACTED:x] b\n")) {
		t.Fatalf("PutRedacted = %s, %v", h1, err)
	}
	if b, err := d.Blob(h1); err != nil || string(b) != "a [REDACTED:x] b\n" {
		t.Fatalf("stored %q, %v", b, err)
	}
	h2, err := d.PutRedacted([]byte("clean\n"), mask)
	if err != nil || h2 != Hash([]byte("clean\n")) || calls != 2 {
		t.Fatalf("PutRedacted(clean) = %s, %v after %d redactions", h2, err, calls)
	}
	// Stored content, as it is: no redaction, same hash, nothing written.
	for _, c := range []string{"clean\n", "a [REDACTED:x] b\n"} {
		h, err := d.PutRedacted([]byte(c), mask)
		if err != nil || h != Hash([]byte(c)) || calls != 2 {
			t.Fatalf("PutRedacted(%q) = %s, %v after %d redactions", c, h, err, calls)
		}
	}
	if h, err := d.PutRedacted(nil, mask); err != nil || h != Hash(nil) {
		t.Fatalf("PutRedacted(nil) = %s, %v", h, err)
	}
	if b, err := d.Blob(Hash(nil)); err != nil || len(b) != 0 {
		t.Fatalf("empty blob: %q, %v", b, err)
	}
}

// TestConcurrentProcesses: 8 processes × 200 appends to one session file
// lose and duplicate nothing.
func TestConcurrentProcesses(t *testing.T) {
	if os.Getenv("SPOOL_CHILD_DIR") != "" {
		d := Dir(os.Getenv("SPOOL_CHILD_DIR"))
		base, _ := strconv.Atoi(os.Getenv("SPOOL_CHILD_BASE"))
		for i := 0; i < 200; i++ {
			if err := d.Append("shared", rec(base+i)); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
		}
		return
	}
	dir := t.TempDir()
	var wg sync.WaitGroup
	for p := 0; p < 8; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "-test.run=^TestConcurrentProcesses$")
			cmd.Env = append(os.Environ(), "SPOOL_CHILD_DIR="+dir, "SPOOL_CHILD_BASE="+strconv.Itoa(p*1000))
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("child %d: %v: %s", p, err, out)
			}
		}(p)
	}
	wg.Wait()
	res, err := Dir(dir).Read("shared")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range res.Records {
		k := string(r.Payload)
		if seen[k] {
			t.Fatalf("duplicate record %s", k)
		}
		seen[k] = true
	}
	if len(seen) != 1600 || res.Skipped != 0 {
		t.Fatalf("got %d distinct records, %d skipped; want 1600, 0", len(seen), res.Skipped)
	}
}

// TestStateUnchangedNotRewritten: WithState leaves an unchanged state file
// alone (the hook's hot path), and ReadState sees what was saved.
func TestStateUnchangedNotRewritten(t *testing.T) {
	d := Dir(t.TempDir())
	if err := d.WithState("s", func(st *State) error { st.Started = true; return nil }); err != nil {
		t.Fatal(err)
	}
	path := d.Path("state", "s.json")
	before, _ := os.Stat(path)
	if err := d.WithState("s", func(st *State) error { return nil }); err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(path)
	if !os.SameFile(before, after) {
		t.Errorf("unchanged state was rewritten")
	}
	if !d.ReadState("s").Started || d.ReadState("other").Started {
		t.Errorf("ReadState does not match what was saved")
	}
}

// A writer killed mid-write leaves a blob shorter than its content: reads
// refuse it, and the next writer of that content completes it.
func TestTornBlobCompleted(t *testing.T) {
	d := Dir(t.TempDir())
	data := []byte(strings.Repeat("the agent's file\n", 1000))
	h, err := d.PutBlob(data)
	if err != nil {
		t.Fatal(err)
	}
	p, err := d.blobPath(h)
	if err != nil {
		t.Fatal(err)
	}
	for _, torn := range []int{0, 1, len(data) / 2, len(data) - 1} {
		if err := os.Truncate(p, int64(torn)); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Blob(h); err == nil {
			t.Fatalf("Blob read a blob torn at %d bytes", torn)
		}
		put := d.PutBlob
		if torn%2 == 1 {
			put = func(b []byte) (string, error) { return d.PutRedacted(b, func(b []byte) []byte { return b }) }
		}
		if h2, err := put(data); err != nil || h2 != h {
			t.Fatalf("storing again over a blob torn at %d: %s, %v", torn, h2, err)
		}
		if got, err := d.Blob(h); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("blob torn at %d not completed: %d bytes, %v", torn, len(got), err)
		}
	}
	// Blob directories are made on demand; nothing temporary is left.
	ents, err := os.ReadDir(filepath.Dir(p))
	if err != nil || len(ents) != 1 {
		t.Fatalf("blob directory holds %v, %v; want the one blob", ents, err)
	}
}
