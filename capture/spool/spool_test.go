package spool

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
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

// A writer killed mid-way leaves unreferenced bytes in a shard's pack, or
// a short record in its index: stored blobs still read, and the next writer
// stores and indexes its content correctly.
func TestTornBlobWrites(t *testing.T) {
	d := Dir(t.TempDir())
	data := []byte(strings.Repeat("the agent's file\n", 1000))
	h, err := d.PutBlob(data)
	if err != nil {
		t.Fatal(err)
	}
	hexs, _, _ := blobID(h)
	shard := d.shard(hexs)
	appendTo := func(name string, b []byte) {
		f, err := os.OpenFile(filepath.Join(shard, name), os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	// Contents whose hashes fall in the same shard as h.
	var same [][]byte
	for i := 0; len(same) < 2; i++ {
		c := []byte(fmt.Sprintf("content %d\n", i))
		if Hash(c)[len(HashPrefix):][:2] == hexs[:2] {
			same = append(same, c)
		}
	}
	appendTo("pack", []byte("half of a content a killed writer"))
	appendTo("idx", []byte("a short record"))
	if got, err := d.Blob(h); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("stored blob after torn writes: %d bytes, %v", len(got), err)
	}
	for _, c := range same {
		hc, err := d.PutBlob(c)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := d.Blob(hc); err != nil || !bytes.Equal(got, c) {
			t.Fatalf("blob stored after torn writes: %q, %v", got, err)
		}
	}
	if fi, err := os.Stat(filepath.Join(shard, "idx")); err != nil || fi.Size() != 3*idxRecord {
		t.Errorf("index is %v bytes (%v), want 3 whole records", fi.Size(), err)
	}
	if got, err := d.Blob(h); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("first blob at the end: %d bytes, %v", len(got), err)
	}
}

func TestCorruptBlobRefused(t *testing.T) {
	d := Dir(t.TempDir())
	h, err := d.PutBlob([]byte("original content\n"))
	if err != nil {
		t.Fatal(err)
	}
	hexs, _, _ := blobID(h)
	pack := filepath.Join(d.shard(hexs), "pack")
	b, err := os.ReadFile(pack)
	if err != nil {
		t.Fatal(err)
	}
	b[0] ^= 1
	if err := os.WriteFile(pack, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Blob(h); err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Errorf("Blob of a damaged content: %v, want a corrupt error", err)
	}
}

// Contents stored before packs, one file each, still read and are not
// stored again.
func TestLegacyBlobFiles(t *testing.T) {
	d := Dir(t.TempDir())
	data := []byte("stored by an older build\n")
	h := Hash(data)
	hexs, _, _ := blobID(h)
	if err := os.MkdirAll(d.shard(hexs), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(d.legacyPath(hexs), data, 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := d.Blob(h); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("legacy blob: %q, %v", got, err)
	}
	if _, err := d.PutRedacted(data, func(b []byte) []byte { return b }); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(d.shard(hexs), "pack")); err == nil {
		t.Error("a content stored as a legacy file was packed again")
	}
}

// Concurrent writers (hooks of parallel tool calls) store each content once.
func TestConcurrentBlobWriters(t *testing.T) {
	d := Dir(t.TempDir())
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 60 {
				if _, err := d.PutBlob([]byte(fmt.Sprintf("content %d\n", (i*7+w)%90))); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	records := 0
	for i := range 90 {
		c := []byte(fmt.Sprintf("content %d\n", i))
		if got, err := d.Blob(Hash(c)); err != nil || !bytes.Equal(got, c) {
			t.Errorf("content %d: %q, %v", i, got, err)
		}
	}
	shards, _ := filepath.Glob(d.Path("blobs", "*", "idx"))
	for _, p := range shards {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		records += int(fi.Size() / idxRecord)
	}
	if records != 90 {
		t.Errorf("%d index records for 90 contents", records)
	}
}

// After PrepareBlobs, storing a content makes no new file.
func TestPrepareBlobs(t *testing.T) {
	d := Dir(t.TempDir())
	if err := d.PrepareBlobs(); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		n := 0
		filepath.WalkDir(string(d), func(string, fs.DirEntry, error) error { n++; return nil })
		return n
	}
	before := count()
	if before != 1+1+256*3 {
		t.Errorf("%d entries after PrepareBlobs, want the store, 256 shards and their two files", before)
	}
	for i := range 20 {
		if _, err := d.PutBlob([]byte(fmt.Sprint("content ", i))); err != nil {
			t.Fatal(err)
		}
	}
	if after := count(); after != before {
		t.Errorf("storing made %d new files", after-before)
	}
}
