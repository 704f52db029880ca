package worktree

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tracevault/tracevault/internal/testutil"
)

// indexRepo builds a repository exercising the index format: nested and
// long paths, a non-UTF-8 name, an executable, a symlink, a submodule-free
// gitlink-free tree. With extended set it adds intent-to-add, skip-worktree
// and assume-unchanged entries (which need version 3 or later).
func indexRepo(t testing.TB, version int, extended bool) string {
	t.Helper()
	dir := testutil.NewRepo(t)
	writeFile(t, dir, "README.md", "hello\n")
	writeFile(t, dir, "a/b/c/deep.go", "package c\n")
	writeFile(t, dir, "a/b/c/deeper.go", "package c\n")
	writeFile(t, dir, "a/b-side.txt", "side\n")
	writeFile(t, dir, "a/bz", "bz\n")
	writeFile(t, dir, strings.Repeat("long-name-", 20)+"/x", "x\n")
	writeFile(t, dir, "caf\xe9/\xff\xfe.bin", "latin-1 name\n")
	writeFile(t, dir, "run.sh", "#!/bin/sh\n")
	if err := os.Chmod(filepath.Join(dir, "run.sh"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("README.md", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	commitAll(t, dir, "one")
	if extended {
		writeFile(t, dir, "new/intent.txt", "later\n")
		testutil.Git(t, dir, "add", "-N", "new/intent.txt")
		testutil.Git(t, dir, "update-index", "--skip-worktree", "a/bz")
		testutil.Git(t, dir, "update-index", "--assume-unchanged", "README.md")
	}
	testutil.Git(t, dir, "update-index", "--index-version", strconv.Itoa(version))
	return dir
}

// lsFiles returns git's own view of the index, from ls-files -s --debug -z.
func lsFiles(t testing.TB, dir string) []IndexEntry {
	t.Helper()
	out := testutil.Git(t, dir, "ls-files", "-s", "--debug", "-z") + "\n"
	var entries []IndexEntry
	for out != "" {
		head, rest, ok := strings.Cut(out, "\x00")
		if !ok {
			t.Fatalf("ls-files: no NUL in %q", out)
		}
		var e IndexEntry
		meta, path, _ := strings.Cut(head, "\t")
		e.Path = path
		if _, err := fmt.Sscanf(meta, "%o %s %d", &e.Mode, &e.OID, &e.Stage); err != nil {
			t.Fatalf("ls-files header %q: %v", meta, err)
		}
		lines := strings.SplitN(rest, "\n", 6)
		var flags uint32
		for _, f := range []struct {
			format string
			args   []any
		}{
			{"  ctime: %d:%d", []any{&e.CtimeSec, &e.CtimeNsec}},
			{"  mtime: %d:%d", []any{&e.MtimeSec, &e.MtimeNsec}},
			{"  dev: %d\tino: %d", []any{&e.Dev, &e.Ino}},
			{"  uid: %d\tgid: %d", []any{&e.UID, &e.GID}},
			{"  size: %d\tflags: %x", []any{&e.Size, &flags}},
		} {
			if _, err := fmt.Sscanf(lines[0], f.format, f.args...); err != nil {
				t.Fatalf("ls-files line %q: %v", lines[0], err)
			}
			lines = lines[1:]
		}
		e.AssumeValid = flags&0x8000 != 0
		e.IntentToAdd = flags&(1<<29) != 0
		e.SkipWorktree = flags&(1<<30) != 0
		entries = append(entries, e)
		out = lines[0]
	}
	return entries
}

func TestParseIndexMatchesGit(t *testing.T) {
	tests := []struct {
		name     string
		version  int
		extended bool
	}{
		{"v2", 2, false},
		{"v3 extended flags", 3, true},
		{"v4", 4, false},
		{"v4 extended flags", 4, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := indexRepo(t, tt.version, tt.extended)
			repo, err := FindRepo(dir)
			if err != nil {
				t.Fatal(err)
			}
			idx, err := ReadIndex(repo, true)
			if err != nil {
				t.Fatalf("ReadIndex: %v", err)
			}
			if idx.Version != uint32(tt.version) {
				t.Errorf("Version = %d, want %d", idx.Version, tt.version)
			}
			if diff := cmp.Diff(lsFiles(t, dir), idx.Entries); diff != "" {
				t.Errorf("ReadIndex mismatch with git ls-files (-git +ReadIndex):\n%s", diff)
			}
			e, ok := idx.Lookup("caf\xe9/\xff\xfe.bin")
			if !ok || e.Mode != 0o100644 {
				t.Errorf("Lookup(non-UTF-8 path) = %+v, %v", e, ok)
			}
			if e, _ := idx.Lookup("link"); e.Mode != 0o120000 {
				t.Errorf("Lookup(link).Mode = %o, want 120000", e.Mode)
			}
			if tt.extended {
				ita, _ := idx.Lookup("new/intent.txt")
				skip, _ := idx.Lookup("a/bz")
				av, _ := idx.Lookup("README.md")
				if !ita.IntentToAdd || !skip.SkipWorktree || !av.AssumeValid {
					t.Errorf("flags: intent-to-add %v, skip-worktree %v, assume-valid %v; want all true",
						ita.IntentToAdd, skip.SkipWorktree, av.AssumeValid)
				}
			}
		})
	}
}

func TestParseIndexConflictStages(t *testing.T) {
	dir := testutil.NewRepo(t)
	writeFile(t, dir, "f.txt", "base\n")
	commitAll(t, dir, "base")
	testutil.Git(t, dir, "checkout", "-q", "-b", "other")
	writeFile(t, dir, "f.txt", "other\n")
	commitAll(t, dir, "other")
	testutil.Git(t, dir, "checkout", "-q", "main")
	writeFile(t, dir, "f.txt", "main\n")
	commitAll(t, dir, "main")
	if _, err := gitOutput(dir, "merge", "-q", "other"); err == nil {
		t.Fatal("merge succeeded; want a conflict")
	}
	data, err := os.ReadFile(filepath.Join(dir, ".git", "index"))
	if err != nil {
		t.Fatal(err)
	}
	idx, err := ParseIndex(data, IndexOptions{VerifyChecksum: true})
	if err != nil {
		t.Fatalf("ParseIndex: %v", err)
	}
	if diff := cmp.Diff(lsFiles(t, dir), idx.Entries); diff != "" {
		t.Errorf("ParseIndex mismatch with git ls-files (-git +ParseIndex):\n%s", diff)
	}
	var stages []int
	for _, e := range idx.Entries {
		stages = append(stages, e.Stage)
	}
	if diff := cmp.Diff([]int{1, 2, 3}, stages); diff != "" {
		t.Errorf("stages (-want +got):\n%s", diff)
	}
}

// TestParseIndexMangled flips every byte of real index files: with the
// checksum verified, each change must be rejected; without it, the parser
// must not panic.
func TestParseIndexMangled(t *testing.T) {
	for _, v := range []int{2, 3, 4} {
		dir := indexRepo(t, v, v >= 3)
		data, err := os.ReadFile(filepath.Join(dir, ".git", "index"))
		if err != nil {
			t.Fatal(err)
		}
		for i := range data {
			m := bytes.Clone(data)
			m[i] ^= 0x41
			if _, err := ParseIndex(m, IndexOptions{VerifyChecksum: true}); err == nil {
				t.Errorf("v%d: ParseIndex accepted a flip at byte %d", v, i)
			}
			_, _ = ParseIndex(m, IndexOptions{})
		}
		for n := range len(data) {
			if _, err := ParseIndex(data[:n], IndexOptions{VerifyChecksum: true}); err == nil {
				t.Errorf("v%d: ParseIndex accepted a truncation to %d bytes", v, n)
			}
		}
	}
}

func TestParseIndexRejects(t *testing.T) {
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"bad signature", append([]byte("DIRX\x00\x00\x00\x02\x00\x00\x00\x00"), make([]byte, 20)...)},
		{"version 1", append([]byte("DIRC\x00\x00\x00\x01\x00\x00\x00\x00"), make([]byte, 20)...)},
		{"version 5", append([]byte("DIRC\x00\x00\x00\x05\x00\x00\x00\x00"), make([]byte, 20)...)},
		{"count too large", append([]byte("DIRC\x00\x00\x00\x02\x00\x00\x00\x09"), make([]byte, 20)...)},
		{"split index", append([]byte("DIRC\x00\x00\x00\x02\x00\x00\x00\x00link\x00\x00\x00\x00"), make([]byte, 20)...)},
		{"required extension", append([]byte("DIRC\x00\x00\x00\x02\x00\x00\x00\x00abcd\x00\x00\x00\x00"), make([]byte, 20)...)},
		{"short extension", append([]byte("DIRC\x00\x00\x00\x02\x00\x00\x00\x00TREE"), make([]byte, 20)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if idx, err := ParseIndex(tt.data, IndexOptions{}); err == nil {
				t.Errorf("ParseIndex(%q) = %+v, want error", tt.data, idx)
			}
		})
	}
	empty := append([]byte("DIRC\x00\x00\x00\x02\x00\x00\x00\x00TREE\x00\x00\x00\x00"), make([]byte, 20)...)
	if _, err := ParseIndex(empty, IndexOptions{}); err != nil {
		t.Errorf("ParseIndex(empty index with optional extension) = %v", err)
	}
}

func TestGitVarint(t *testing.T) {
	// Values and encodings from git's varint.c (offset encoding).
	tests := []struct {
		enc  []byte
		want uint64
	}{
		{[]byte{0x00}, 0},
		{[]byte{0x7f}, 127},
		{[]byte{0x80, 0x00}, 128},
		{[]byte{0x80, 0x7f}, 255},
		{[]byte{0x81, 0x00}, 256},
		{[]byte{0xff, 0x7f}, 16511},
		{[]byte{0x80, 0x80, 0x00}, 16512},
	}
	for _, tt := range tests {
		got, n := gitVarint(tt.enc)
		if got != tt.want || n != len(tt.enc) {
			t.Errorf("gitVarint(%x) = %d, %d, want %d, %d", tt.enc, got, n, tt.want, len(tt.enc))
		}
	}
	if _, n := gitVarint([]byte{0x80}); n != 0 {
		t.Errorf("gitVarint(truncated) used %d bytes, want 0", n)
	}
}

func FuzzParseIndex(f *testing.F) {
	for _, v := range []int{2, 3, 4} {
		dir := indexRepo(f, v, v >= 3)
		data, err := os.ReadFile(filepath.Join(dir, ".git", "index"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		idx, err := ParseIndex(data, IndexOptions{})
		if err != nil {
			return
		}
		for i, e := range idx.Entries {
			if !validPath(e.Path) || !isLowerHex(e.OID, 40) {
				t.Fatalf("entry %d: invalid %+v", i, e)
			}
			if i > 0 && !entryLess(&idx.Entries[i-1], &e) {
				t.Fatalf("entry %d: out of order", i)
			}
		}
	})
}
