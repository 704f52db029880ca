package notes_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tracevault/tracevault/gitstore"
	"github.com/tracevault/tracevault/gitstore/gitcli"
	"github.com/tracevault/tracevault/gitstore/memstore"
	"github.com/tracevault/tracevault/gitstore/notes"
	"github.com/tracevault/tracevault/internal/testutil"
)

const notesRef = "refs/notes/tracevault"

var (
	ctx = context.Background()
	who = gitstore.Signature{Name: "TraceVault", Email: "tv@example.com", When: time.Unix(1700000000, 0).UTC()}
)

type backend struct {
	name string
	new  func(t *testing.T) (gitstore.Store, string) // store, repo dir ("" for memory)
}

func testEnv() []string {
	home := filepath.Join(os.TempDir(), "tracevault-test-home")
	_ = os.MkdirAll(home, 0o755)
	return testutil.GitEnv(home)
}

func gitBackend(t *testing.T) (gitstore.Store, string) { return gitBackendTB(t) }

func gitBackendTB(t testing.TB) (gitstore.Store, string) {
	repo := testutil.NewRepo(t)
	s, err := gitcli.Open(ctx, repo, gitcli.WithEnv(testEnv()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, repo
}

var backends = []backend{
	{"memstore", func(t *testing.T) (gitstore.Store, string) { return memstore.New(), "" }},
	{"gitcli", gitBackend},
}

func forEach(t *testing.T, fn func(t *testing.T, s gitstore.Store, repo string)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			s, repo := b.new(t)
			fn(t, s, repo)
		})
	}
}

// commits makes n distinct commit objects to annotate.
func commits(t *testing.T, s gitstore.Store, n int) []gitstore.Hash {
	t.Helper()
	b := gitstore.NewBatch(s)
	var hs []gitstore.Hash
	for i := range n {
		h, err := b.AddCommit(&gitstore.Commit{Tree: gitstore.EmptyTree, Author: who, Committer: who, Message: fmt.Sprintf("c%d\n", i)})
		if err != nil {
			t.Fatal(err)
		}
		hs = append(hs, h)
	}
	if _, err := b.AddTree(nil); err != nil { // the empty tree they all use
		t.Fatal(err)
	}
	if err := b.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	return hs
}

func TestAddRead(t *testing.T) {
	forEach(t, func(t *testing.T, s gitstore.Store, repo string) {
		n := notes.Notes{Store: s, Ref: notesRef}
		cs := commits(t, s, 3)
		if got, err := n.Read(ctx, cs); err != nil || len(got) != 0 {
			t.Fatalf("Read before any note = %v, %v; want empty", got, err)
		}
		must(t, n.Add(ctx, map[gitstore.Hash][]byte{cs[0]: []byte("b\na\n"), cs[1]: []byte("x")}, "add", who))
		must(t, n.Add(ctx, map[gitstore.Hash][]byte{cs[0]: []byte("c\na\n")}, "add more", who))
		got, err := n.Read(ctx, []gitstore.Hash{cs[0], cs[2]})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || string(got[cs[0]]) != "a\nb\nc\n" {
			t.Errorf("Read = %q, want only %s: \"a\\nb\\nc\\n\"", got, cs[0])
		}
		all, err := n.ReadAll(ctx)
		if err != nil || len(all) != 2 || string(all[cs[1]]) != "x\n" {
			t.Errorf("ReadAll = %q, %v", all, err)
		}
		must(t, n.Set(ctx, map[gitstore.Hash][]byte{cs[0]: []byte("only\n"), cs[1]: nil}, "set", who))
		all, _ = n.ReadAll(ctx)
		if len(all) != 1 || string(all[cs[0]]) != "only\n" {
			t.Errorf("after Set: %q, want only %s = only", all, cs[0])
		}
		if repo != "" {
			if out := testutil.Git(t, repo, "notes", "--ref=tracevault", "show", cs[0].String()); out != "only" {
				t.Errorf("git notes show = %q, want %q", out, "only")
			}
			if out := testutil.Git(t, repo, "log", "-1", "--notes=tracevault", "--format=%N", cs[0].String()); out != "only" {
				t.Errorf("git log --notes = %q, want %q", out, "only")
			}
			testutil.Git(t, repo, "fsck", "--strict", "--no-dangling")
		}
	})
}

func TestRejectsRefOutsideNotes(t *testing.T) {
	n := notes.Notes{Store: memstore.New(), Ref: "refs/tracevault/notes"}
	if _, err := n.ReadAll(ctx); err == nil {
		t.Error("ReadAll on refs/tracevault/notes succeeded, want error")
	}
}

func TestFanout(t *testing.T) {
	forEach(t, func(t *testing.T, s gitstore.Store, repo string) {
		n := notes.Notes{Store: s, Ref: notesRef}
		cs := commits(t, s, 300)
		add := map[gitstore.Hash][]byte{}
		for i, c := range cs {
			add[c] = fmt.Appendf(nil, "note %d\n", i)
		}
		must(t, n.Add(ctx, add, "bulk", who))
		got, err := n.Read(ctx, cs[100:103])
		if err != nil || len(got) != 3 || string(got[cs[101]]) != "note 101\n" {
			t.Errorf("Read(3 of 300) = %q, %v", got, err)
		}
		if repo != "" {
			paths := strings.Fields(testutil.Git(t, repo, "ls-tree", "-r", "--name-only", notesRef))
			if len(paths) != 300 || len(paths[0]) != 41 || paths[0][2] != '/' {
				t.Errorf("notes tree has %d paths like %q, want 300 with one fanout level", len(paths), paths[0])
			}
			if out := testutil.Git(t, repo, "notes", "--ref=tracevault", "show", cs[299].String()); out != "note 299" {
				t.Errorf("git notes show = %q", out)
			}
		}
	})
}

// TestMixedFanout builds a notes tree holding the same commit under three
// fanouts, as tools that disagree on fanout leave behind.
func TestMixedFanout(t *testing.T) {
	forEach(t, func(t *testing.T, s gitstore.Store, repo string) {
		cs := commits(t, s, 2)
		hex, hex1 := cs[0].String(), cs[1].String()
		b := gitstore.NewBatch(s)
		flat, fan1, fan2 := b.AddBlob([]byte("{\"a\":1}\n")), b.AddBlob([]byte("{\"b\":2}\n")), b.AddBlob([]byte("{\"c\":3}\n"))
		inner := mustH(b.AddTree([]gitstore.TreeEntry{{Name: hex[4:], Mode: gitstore.ModeFile, Hash: fan2}}))
		if hex[:2] == hex1[:2] {
			t.Skip("commits share a fanout directory")
		}
		// One flat copy, one under hex[:2]/, one under hex[:2]/hex[2:4]/.
		dir2 := mustH(b.AddTree([]gitstore.TreeEntry{
			{Name: hex[2:], Mode: gitstore.ModeFile, Hash: fan1},
			{Name: hex[2:4], Mode: gitstore.ModeTree, Hash: inner},
		}))
		root := mustH(b.AddTree([]gitstore.TreeEntry{
			{Name: hex, Mode: gitstore.ModeFile, Hash: flat},
			{Name: hex1, Mode: gitstore.ModeFile, Hash: flat},
			{Name: hex[:2], Mode: gitstore.ModeTree, Hash: dir2},
			{Name: "README", Mode: gitstore.ModeFile, Hash: flat},
		}))
		tip := mustH(b.AddCommit(&gitstore.Commit{Tree: root, Author: who, Committer: who, Message: "mixed\n"}))
		must(t, b.Flush(ctx))
		must(t, s.UpdateRefs(ctx, []gitstore.RefUpdate{{Name: notesRef, New: tip}}))

		n := notes.Notes{Store: s, Ref: notesRef}
		got, err := n.Read(ctx, cs)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range []string{`{"a":1}`, `{"b":2}`, `{"c":3}`} {
			if !bytes.Contains(got[cs[0]], []byte(line)) {
				t.Errorf("Read(mixed fanout) = %q, missing %s", got[cs[0]], line)
			}
		}
		must(t, n.Add(ctx, map[gitstore.Hash][]byte{cs[1]: []byte(`{"d":4}`)}, "normalize", who))
		all, err := n.ReadAll(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := "{\"a\":1}\n\n{\"b\":2}\n\n{\"c\":3}\n"; string(all[cs[0]]) != want {
			t.Errorf("after rewrite the variants joined as %q, want %q", all[cs[0]], want)
		}
		if repo != "" {
			paths := strings.Fields(testutil.Git(t, repo, "ls-tree", "-r", "--name-only", notesRef))
			if len(paths) != 2 || !slices.Contains(paths, hex) {
				t.Errorf("after rewrite the notes tree holds %q, want one flat path per commit", paths)
			}
			out := testutil.Git(t, repo, "notes", "--ref=tracevault", "show", hex1)
			if out != "{\"a\":1}\n{\"d\":4}" {
				t.Errorf("git notes show = %q", out)
			}
		}
	})
}

func mustH(h gitstore.Hash, err error) gitstore.Hash {
	if err != nil {
		panic(err)
	}
	return h
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestMerge(t *testing.T) {
	forEach(t, func(t *testing.T, s gitstore.Store, repo string) {
		cs := commits(t, s, 3)
		ours := notes.Notes{Store: s, Ref: notesRef}
		theirs := notes.Notes{Store: s, Ref: "refs/notes/tracevault-remote/origin"}
		must(t, ours.Add(ctx, map[gitstore.Hash][]byte{cs[0]: []byte("ours\nshared\n"), cs[1]: []byte("only ours\n")}, "a", who))
		must(t, theirs.Add(ctx, map[gitstore.Hash][]byte{cs[0]: []byte("theirs\nshared\n"), cs[2]: []byte("only theirs\n")}, "b", who))
		must(t, ours.Merge(ctx, theirs.Ref, "merge", who))
		got, err := ours.ReadAll(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := map[gitstore.Hash]string{cs[0]: "ours\nshared\ntheirs\n", cs[1]: "only ours\n", cs[2]: "only theirs\n"}
		for c, w := range want {
			if string(got[c]) != w {
				t.Errorf("after Merge, note of %s = %q, want %q", c, got[c], w)
			}
		}
		tip, _ := s.ResolveRef(ctx, notesRef)
		mc, err := gitstore.ReadCommit(ctx, s, tip)
		if err != nil || len(mc.Parents) != 2 {
			t.Errorf("merge commit = %+v, %v; want two parents", mc, err)
		}
		// Merging again changes nothing.
		must(t, ours.Merge(ctx, theirs.Ref, "merge", who))
		if again, _ := s.ResolveRef(ctx, notesRef); again != tip {
			t.Errorf("second Merge moved the ref from %s to %s", tip, again)
		}
		// The other side now fast-forwards to our merge.
		must(t, theirs.Merge(ctx, ours.Ref, "merge", who))
		if th, _ := s.ResolveRef(ctx, theirs.Ref); th != tip {
			t.Errorf("Merge of a superset = %s, want fast-forward to %s", th, tip)
		}
		if repo != "" {
			if out := testutil.Git(t, repo, "notes", "--ref=tracevault", "show", cs[0].String()); out != "ours\nshared\ntheirs" {
				t.Errorf("git notes show after merge = %q", out)
			}
		}
	})
}

// TestMergeMatchesGit compares Merge with `git notes merge -s
// cat_sort_uniq` on the same inputs.
func TestMergeMatchesGit(t *testing.T) {
	s, repo := gitBackend(t)
	cs := commits(t, s, 2)
	a := notes.Notes{Store: s, Ref: "refs/notes/a"}
	b := notes.Notes{Store: s, Ref: "refs/notes/b"}
	must(t, a.Add(ctx, map[gitstore.Hash][]byte{cs[0]: []byte("2\n1\n"), cs[1]: []byte("x\n")}, "a", who))
	must(t, b.Add(ctx, map[gitstore.Hash][]byte{cs[0]: []byte("3\n1\n")}, "b", who))
	testutil.Git(t, repo, "update-ref", "refs/notes/gitmerged", "refs/notes/a")
	testutil.Git(t, repo, "notes", "--ref=gitmerged", "merge", "-q", "-s", "cat_sort_uniq", "refs/notes/b")
	must(t, a.Merge(ctx, b.Ref, "merge", who))
	ours := testutil.Git(t, repo, "rev-parse", "refs/notes/a^{tree}")
	theirs := testutil.Git(t, repo, "rev-parse", "refs/notes/gitmerged^{tree}")
	if ours != theirs {
		t.Errorf("Merge tree %s != git notes merge -s cat_sort_uniq tree %s", ours, theirs)
	}
}

// TestReadGitWritten reads notes written by git itself, including with
// git's own fanout.
func TestReadGitWritten(t *testing.T) {
	s, repo := gitBackend(t)
	for i := range 3 {
		testutil.Git(t, repo, "commit", "-q", "--allow-empty", "-m", fmt.Sprint(i))
		testutil.Git(t, repo, "notes", "--ref=tracevault", "add", "-m", fmt.Sprintf("git note %d", i))
	}
	head, _ := gitstore.ParseHash(testutil.Git(t, repo, "rev-parse", "HEAD"))
	got, err := notes.Notes{Store: s, Ref: notesRef}.Read(ctx, []gitstore.Hash{head})
	if err != nil || string(got[head]) != "git note 2\n" {
		t.Errorf("Read(git-written) = %q, %v", got, err)
	}
}

func TestConcurrentAdd(t *testing.T) {
	forEach(t, func(t *testing.T, s gitstore.Store, repo string) {
		c := commits(t, s, 1)[0]
		n := notes.Notes{Store: s, Ref: notesRef}
		const writers, each = 6, 5
		var wg sync.WaitGroup
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					if err := n.Add(ctx, map[gitstore.Hash][]byte{c: fmt.Appendf(nil, "w%d-%d\n", w, i)}, "add", who); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		wg.Wait()
		got, err := n.Read(ctx, []gitstore.Hash{c})
		if err != nil {
			t.Fatal(err)
		}
		if lines := strings.Count(string(got[c]), "\n"); lines != writers*each {
			t.Errorf("note has %d lines, want %d: lost updates", lines, writers*each)
		}
	})
}

func TestCatSortUniq(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want string
	}{
		{"empty", nil, ""},
		{"blank lines", []string{"\n\n", ""}, ""},
		{"union", []string{"b\na", "c\na\n"}, "a\nb\nc\n"},
		{"no trailing newline", []string{"x"}, "x\n"},
	}
	for _, tt := range tests {
		var in [][]byte
		for _, s := range tt.in {
			in = append(in, []byte(s))
		}
		if got := string(notes.CatSortUniq(in...)); got != tt.want {
			t.Errorf("%s: CatSortUniq(%q) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
}

func FuzzCatSortUniq(f *testing.F) {
	f.Add([]byte("b\na\n"), []byte("a\nc"))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		ab := notes.CatSortUniq(a, b)
		if !bytes.Equal(ab, notes.CatSortUniq(b, a)) {
			t.Fatal("not commutative")
		}
		if !bytes.Equal(ab, notes.CatSortUniq(ab)) || !bytes.Equal(ab, notes.CatSortUniq(ab, a)) {
			t.Fatal("not idempotent")
		}
	})
}

// FuzzNotesTree stores arbitrary bytes as a notes tree and reads it: the
// reader must never panic, and whatever it accepts must survive a
// rewrite.
func FuzzNotesTree(f *testing.F) {
	h := gitstore.HashObject(gitstore.TypeBlob, []byte("n\n"))
	flat, _ := gitstore.EncodeTree([]gitstore.TreeEntry{{Name: strings.Repeat("ab", 20), Mode: gitstore.ModeFile, Hash: h}})
	f.Add(flat)
	f.Fuzz(func(t *testing.T, tree []byte) {
		s := memstore.New()
		if _, err := gitstore.WriteBlob(ctx, s, []byte("n\n")); err != nil {
			t.Fatal(err)
		}
		th, err := s.WriteObjects(ctx, []gitstore.Object{{Type: gitstore.TypeTree, Data: tree}})
		if err != nil {
			return // not a valid tree
		}
		tip, err := gitstore.WriteCommit(ctx, s, &gitstore.Commit{Tree: th[0], Author: who, Committer: who})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.UpdateRefs(ctx, []gitstore.RefUpdate{{Name: notesRef, New: tip}}); err != nil {
			t.Fatal(err)
		}
		n := notes.Notes{Store: s, Ref: notesRef}
		before, err := n.ReadAll(ctx)
		if err != nil {
			return // e.g. a note pointing at a missing blob
		}
		if err := n.Set(ctx, nil, "rewrite", who); err != nil {
			t.Fatal(err)
		}
		after, err := n.ReadAll(ctx)
		if err != nil || len(after) != len(before) {
			t.Fatalf("rewrite changed the notes: %d before, %d after (%v)", len(before), len(after), err)
		}
	})
}
