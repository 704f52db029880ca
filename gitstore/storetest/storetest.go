// Package storetest is the contract suite every [gitstore.Store] backend
// must pass. Backends call [Run] from their own tests:
//
//	func TestContract(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) gitstore.Store { return memstore.New() })
//	}
//
// Some checks compare ids with the git binary (`git hash-object`,
// `git mktree`), so git must be on PATH; they fail, not skip, without it.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tracevault/tracevault/gitstore"
)

// Run runs the contract suite. newStore must return an empty store that
// stays usable for the rest of the test (register cleanup with t).
func Run(t *testing.T, newStore func(t *testing.T) gitstore.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s gitstore.Store)
	}{
		{"BlobRoundTrip", testBlobRoundTrip},
		{"HashesMatchGit", testHashesMatchGit},
		{"TreeOrder", testTreeOrder},
		{"TreeRejects", testTreeRejects},
		{"CommitRoundTrip", testCommitRoundTrip},
		{"InvalidObjects", testInvalidObjects},
		{"ReadObjectsBatch", testReadObjectsBatch},
		{"NotFound", testNotFound},
		{"Batch", testBatch},
		{"WriteAgain", testWriteAgain},
		{"ConcurrentWrites", testConcurrentWrites},
		{"RefCreateOnly", testRefCreateOnly},
		{"RefStaleOld", testRefStaleOld},
		{"RefDelete", testRefDelete},
		{"RefAtomic", testRefAtomic},
		{"RefInvalid", testRefInvalid},
		{"ListRefs", testListRefs},
		{"ConcurrentCAS", testConcurrentCAS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, newStore(t)) })
	}
}

var ctx = context.Background()

type result[T any] struct {
	v   T
	err error
}

func ok[T any](v T, err error) result[T] { return result[T]{v, err} }

func (r result[T]) must(t *testing.T) T {
	t.Helper()
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.v
}

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func testBlobRoundTrip(t *testing.T, s gitstore.Store) {
	for _, data := range [][]byte{nil, []byte("hello\n"), {0, 1, 2, 0, '\n', 0xff}, bytes.Repeat([]byte("x"), 1<<20)} {
		h := ok(gitstore.WriteBlob(ctx, s, data)).must(t)
		typ, got, err := s.ReadObject(ctx, h)
		if err != nil || typ != gitstore.TypeBlob || !bytes.Equal(got, data) {
			t.Errorf("ReadObject(%s) = %s, %d bytes, %v; want blob, %d bytes", h, typ, len(got), err, len(data))
		}
	}
}

// gitOutput runs git (no repository needed unless dir is set) with
// stdin and returns its trimmed output.
func gitOutput(t *testing.T, dir string, stdin []byte, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(stdin)
	cmd.Env = append(os.Environ(), "LC_ALL=C", "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null")
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("git %s: %v: %s", strings.Join(args, " "), err, ee.Stderr)
		}
		t.Fatalf("git %s: %v", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out))
}

func gitHash(t *testing.T, typ gitstore.ObjectType, data []byte) string {
	t.Helper()
	return gitOutput(t, "", data, "hash-object", "-t", string(typ), "--stdin")
}

var sig = gitstore.Signature{Name: "Ada Lovelace", Email: "ada@example.com",
	When: time.Unix(1700000000, 0).In(time.FixedZone("", -(7*60+30)*60))}

func testHashesMatchGit(t *testing.T, s gitstore.Store) {
	blob := ok(gitstore.WriteBlob(ctx, s, []byte("content\n"))).must(t)
	tree := ok(gitstore.WriteTree(ctx, s, []gitstore.TreeEntry{
		{Name: "f.txt", Mode: gitstore.ModeFile, Hash: blob},
		{Name: "run.sh", Mode: gitstore.ModeExec, Hash: blob},
		{Name: "link", Mode: gitstore.ModeSymlink, Hash: blob},
		{Name: "sub", Mode: gitstore.ModeTree, Hash: gitstore.EmptyTree},
	})).must(t)
	c := &gitstore.Commit{Tree: tree, Parents: nil, Author: sig, Committer: sig, Message: "msg\n",
		ExtraHeaders: []gitstore.Header{{Key: "gpgsig", Value: "-----BEGIN SSH SIGNATURE-----\nabc\n-----END SSH SIGNATURE-----"}}}
	commit := ok(gitstore.WriteCommit(ctx, s, c)).must(t)
	for _, h := range []gitstore.Hash{blob, tree, commit} {
		typ, data := must2(t, s, h)
		if got := gitHash(t, typ, data); got != h.String() {
			t.Errorf("git hash-object of %s %s = %s", typ, h, got)
		}
	}
	if got := gitHash(t, gitstore.TypeTree, nil); got != gitstore.EmptyTree.String() {
		t.Errorf("EmptyTree = %s, git says %s", gitstore.EmptyTree, got)
	}
}

func must2(t *testing.T, s gitstore.Store, h gitstore.Hash) (gitstore.ObjectType, []byte) {
	t.Helper()
	typ, data, err := s.ReadObject(ctx, h)
	if err != nil {
		t.Fatalf("ReadObject(%s): %v", h, err)
	}
	return typ, data
}

func testTreeOrder(t *testing.T, s gitstore.Store) {
	blob := ok(gitstore.WriteBlob(ctx, s, []byte("x"))).must(t)
	sub := ok(gitstore.WriteTree(ctx, s, []gitstore.TreeEntry{{Name: "in", Mode: gitstore.ModeFile, Hash: blob}})).must(t)
	entries := []gitstore.TreeEntry{ // deliberately unsorted
		{Name: "a0", Mode: gitstore.ModeFile, Hash: blob},
		{Name: "a", Mode: gitstore.ModeTree, Hash: sub},
		{Name: "a.b", Mode: gitstore.ModeFile, Hash: blob},
		{Name: "a-b", Mode: gitstore.ModeFile, Hash: blob},
		{Name: "b", Mode: gitstore.ModeFile, Hash: blob},
		{Name: "ab", Mode: gitstore.ModeTree, Hash: sub},
	}
	h := ok(gitstore.WriteTree(ctx, s, entries)).must(t)
	got := ok(gitstore.ReadTree(ctx, s, h)).must(t)
	var names []string
	for _, e := range got {
		names = append(names, e.Name)
	}
	if want := "a-b a.b a a0 ab b"; strings.Join(names, " ") != want {
		t.Errorf("ReadTree order = %q, want %q", strings.Join(names, " "), want)
	}
	// git mktree sorts on its own; the ids must agree.
	var in bytes.Buffer
	for _, e := range entries {
		typ := "blob"
		if e.Mode == gitstore.ModeTree {
			typ = "tree"
		}
		fmt.Fprintf(&in, "%06o %s %s\t%s\n", uint32(e.Mode), typ, e.Hash, e.Name)
	}
	repo := t.TempDir()
	gitOutput(t, repo, nil, "init", "-q", "--bare")
	if want := gitOutput(t, repo, in.Bytes(), "mktree", "--missing"); h.String() != want {
		t.Errorf("WriteTree = %s, git mktree = %s", h, want)
	}
}

func testTreeRejects(t *testing.T, s gitstore.Store) {
	blob := ok(gitstore.WriteBlob(ctx, s, []byte("x"))).must(t)
	tests := []struct {
		name    string
		entries []gitstore.TreeEntry
	}{
		{"slash", []gitstore.TreeEntry{{Name: "a/b", Mode: gitstore.ModeFile, Hash: blob}}},
		{"empty", []gitstore.TreeEntry{{Name: "", Mode: gitstore.ModeFile, Hash: blob}}},
		{"dot", []gitstore.TreeEntry{{Name: ".", Mode: gitstore.ModeFile, Hash: blob}}},
		{"dotdot", []gitstore.TreeEntry{{Name: "..", Mode: gitstore.ModeFile, Hash: blob}}},
		{"dotgit", []gitstore.TreeEntry{{Name: ".GIT", Mode: gitstore.ModeTree, Hash: gitstore.EmptyTree}}},
		{"nul", []gitstore.TreeEntry{{Name: "a\x00b", Mode: gitstore.ModeFile, Hash: blob}}},
		{"mode", []gitstore.TreeEntry{{Name: "a", Mode: 0o100664, Hash: blob}}},
		{"duplicate", []gitstore.TreeEntry{{Name: "a", Mode: gitstore.ModeFile, Hash: blob}, {Name: "a", Mode: gitstore.ModeExec, Hash: blob}}},
		{"file-and-dir", []gitstore.TreeEntry{{Name: "a", Mode: gitstore.ModeFile, Hash: blob}, {Name: "a.b", Mode: gitstore.ModeFile, Hash: blob}, {Name: "a", Mode: gitstore.ModeTree, Hash: gitstore.EmptyTree}}},
	}
	for _, tt := range tests {
		if _, err := gitstore.WriteTree(ctx, s, tt.entries); !errors.Is(err, gitstore.ErrInvalidObject) {
			t.Errorf("WriteTree(%s) = %v, want ErrInvalidObject", tt.name, err)
		}
	}
}

func testCommitRoundTrip(t *testing.T, s gitstore.Store) {
	tree := ok(gitstore.WriteTree(ctx, s, nil)).must(t)
	first := &gitstore.Commit{Tree: tree, Author: sig, Committer: sig, Message: "first\n"}
	p := ok(gitstore.WriteCommit(ctx, s, first)).must(t)
	other := sig
	other.When = time.Unix(1700000100, 0).In(time.FixedZone("", 0))
	c := &gitstore.Commit{Tree: tree, Parents: []gitstore.Hash{p, p}, Author: sig, Committer: other,
		ExtraHeaders: []gitstore.Header{{Key: "encoding", Value: "UTF-8"}}, Message: "multi\n\nline\nmessage"}
	h := ok(gitstore.WriteCommit(ctx, s, c)).must(t)
	got := ok(gitstore.ReadCommit(ctx, s, h)).must(t)
	if got.Tree != c.Tree || len(got.Parents) != 2 || got.Parents[1] != p || got.Message != c.Message ||
		!got.Author.When.Equal(sig.When) || got.Committer != (gitstore.Signature{Name: other.Name, Email: other.Email, When: got.Committer.When}) ||
		len(got.ExtraHeaders) != 1 || got.ExtraHeaders[0] != c.ExtraHeaders[0] {
		t.Errorf("ReadCommit(%s) = %+v, want %+v", h, got, c)
	}
	if _, off := got.Author.When.Zone(); off != -(7*60+30)*60 {
		t.Errorf("author zone offset = %d, want %d", off, -(7*60+30)*60)
	}
	if _, err := gitstore.ReadTree(ctx, s, h); !errors.Is(err, gitstore.ErrInvalidObject) {
		t.Errorf("ReadTree(commit) = %v, want ErrInvalidObject", err)
	}
}

func testInvalidObjects(t *testing.T, s gitstore.Store) {
	bad := []gitstore.Object{
		{Type: gitstore.TypeTree, Data: []byte("100644 a\x00short")},
		{Type: gitstore.TypeCommit, Data: []byte("tree 123\n\nmsg")},
		{Type: "note", Data: []byte("x")},
	}
	for _, o := range bad {
		if _, err := s.WriteObjects(ctx, []gitstore.Object{o}); !errors.Is(err, gitstore.ErrInvalidObject) {
			t.Errorf("WriteObjects(%s %q) = %v, want ErrInvalidObject", o.Type, o.Data, err)
		}
	}
}

func testReadObjectsBatch(t *testing.T, s gitstore.Store) {
	objs := make([]gitstore.Object, 1000)
	for i := range objs {
		objs[i] = gitstore.Object{Type: gitstore.TypeBlob, Data: fmt.Appendf(nil, "object %d\n", i)}
	}
	hs := ok(s.WriteObjects(ctx, objs)).must(t)
	got := ok(s.ReadObjects(ctx, hs)).must(t)
	if len(got) != len(objs) {
		t.Fatalf("ReadObjects returned %d objects, want %d", len(got), len(objs))
	}
	for i, h := range hs {
		if h != objs[i].Hash() || !bytes.Equal(got[h].Data, objs[i].Data) {
			t.Fatalf("object %d: id %s, data %q; want %s, %q", i, h, got[h].Data, objs[i].Hash(), objs[i].Data)
		}
	}
	missing := gitstore.HashObject(gitstore.TypeBlob, []byte("never written"))
	if _, err := s.ReadObjects(ctx, append(hs[:10:10], missing)); !errors.Is(err, gitstore.ErrNotFound) {
		t.Errorf("ReadObjects(with missing) = %v, want ErrNotFound", err)
	}
	// The store still works after a miss.
	if _, err := s.ReadObjects(ctx, hs[:3]); err != nil {
		t.Errorf("ReadObjects after a miss: %v", err)
	}
}

func testNotFound(t *testing.T, s gitstore.Store) {
	missing := gitstore.HashObject(gitstore.TypeBlob, []byte("never written"))
	if _, _, err := s.ReadObject(ctx, missing); !errors.Is(err, gitstore.ErrNotFound) {
		t.Errorf("ReadObject(missing) = %v, want ErrNotFound", err)
	}
	if _, err := gitstore.ReadCommit(ctx, s, missing); !errors.Is(err, gitstore.ErrNotFound) {
		t.Errorf("ReadCommit(missing) = %v, want ErrNotFound", err)
	}
	if _, err := s.ResolveRef(ctx, "refs/tracevault/nope"); !errors.Is(err, gitstore.ErrNotFound) {
		t.Errorf("ResolveRef(missing) = %v, want ErrNotFound", err)
	}
}

func testBatch(t *testing.T, s gitstore.Store) {
	b := gitstore.NewBatch(s)
	var entries []gitstore.TreeEntry
	for i := range 300 {
		h := b.AddBlob(fmt.Appendf(nil, "blob %d", i%250)) // some repeats
		entries = append(entries, gitstore.TreeEntry{Name: fmt.Sprintf("f%03d", i), Mode: gitstore.ModeFile, Hash: h})
	}
	tree := ok(b.AddTree(entries)).must(t)
	commit := ok(b.AddCommit(&gitstore.Commit{Tree: tree, Author: sig, Committer: sig, Message: "batch\n"})).must(t)
	if b.Len() != 252 {
		t.Errorf("Batch.Len() = %d, want 252", b.Len())
	}
	if err := b.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	c := ok(gitstore.ReadCommit(ctx, s, commit)).must(t)
	got := ok(gitstore.ReadTree(ctx, s, c.Tree)).must(t)
	if len(got) != 300 {
		t.Fatalf("tree has %d entries, want 300", len(got))
	}
	if _, data := must2(t, s, got[299].Hash); string(data) != "blob 49" {
		t.Errorf("f299 = %q, want %q", data, "blob 49")
	}
}

// testWriteAgain writes objects that are already stored, alone and mixed
// with new ones.
func testWriteAgain(t *testing.T, s gitstore.Store) {
	objs := []gitstore.Object{{Type: gitstore.TypeBlob, Data: []byte("again\n")}, {Type: gitstore.TypeBlob, Data: nil}}
	first := ok(s.WriteObjects(ctx, objs)).must(t)
	again := ok(s.WriteObjects(ctx, objs)).must(t)
	mixed := ok(s.WriteObjects(ctx, append(objs, gitstore.Object{Type: gitstore.TypeBlob, Data: []byte("new\n")}))).must(t)
	for i := range objs {
		if again[i] != first[i] || mixed[i] != first[i] {
			t.Errorf("object %d: ids %s, %s, %s; want equal", i, first[i], again[i], mixed[i])
		}
	}
	for i, h := range mixed {
		if _, data := must2(t, s, h); i < len(objs) && !bytes.Equal(data, objs[i].Data) {
			t.Errorf("object %d = %q, want %q", i, data, objs[i].Data)
		}
	}
}

// testConcurrentWrites has writers store overlapping sets of objects at
// the same time: every write succeeds and every object reads back.
func testConcurrentWrites(t *testing.T, s gitstore.Store) {
	const workers = 8
	var wg sync.WaitGroup
	ids := make([][]gitstore.Hash, workers)
	errs := make([]error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var objs []gitstore.Object
			for i := range 20 {
				objs = append(objs, gitstore.Object{Type: gitstore.TypeBlob, Data: fmt.Appendf(nil, "shared %d\n", i)},
					gitstore.Object{Type: gitstore.TypeBlob, Data: fmt.Appendf(nil, "writer %d, %d\n", w, i)})
			}
			ids[w], errs[w] = s.WriteObjects(ctx, objs)
		}()
	}
	wg.Wait()
	for w := range workers {
		if errs[w] != nil {
			t.Fatalf("writer %d: %v", w, errs[w])
		}
		got := ok(s.ReadObjects(ctx, ids[w])).must(t)
		for i, h := range ids[w] {
			want := fmt.Sprintf("shared %d\n", i/2)
			if i%2 == 1 {
				want = fmt.Sprintf("writer %d, %d\n", w, i/2)
			}
			if string(got[h].Data) != want {
				t.Errorf("writer %d object %d = %q, want %q", w, i, got[h].Data, want)
			}
		}
	}
}

func commitN(t *testing.T, s gitstore.Store, n int) gitstore.Hash {
	t.Helper()
	tree := ok(gitstore.WriteTree(ctx, s, nil)).must(t)
	return ok(gitstore.WriteCommit(ctx, s, &gitstore.Commit{Tree: tree, Author: sig, Committer: sig, Message: fmt.Sprintf("c%d\n", n)})).must(t)
}

const ref = "refs/tracevault/test/log"

func testRefCreateOnly(t *testing.T, s gitstore.Store) {
	a, b := commitN(t, s, 1), commitN(t, s, 2)
	if err := s.UpdateRefs(ctx, []gitstore.RefUpdate{{Name: ref, New: a}}); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateRefs(ctx, []gitstore.RefUpdate{{Name: ref, New: b}}); !errors.Is(err, gitstore.ErrRefConflict) {
		t.Errorf("create of existing ref = %v, want ErrRefConflict", err)
	}
	if got := ok(s.ResolveRef(ctx, ref)).must(t); got != a {
		t.Errorf("ResolveRef = %s, want %s", got, a)
	}
}

func testRefStaleOld(t *testing.T, s gitstore.Store) {
	a, b, c := commitN(t, s, 1), commitN(t, s, 2), commitN(t, s, 3)
	noErr(t, s.UpdateRefs(ctx, []gitstore.RefUpdate{{Name: ref, New: a}}))
	noErr(t, s.UpdateRefs(ctx, []gitstore.RefUpdate{{Name: ref, New: b, Old: a}}))
	if err := s.UpdateRefs(ctx, []gitstore.RefUpdate{{Name: ref, New: c, Old: a}}); !errors.Is(err, gitstore.ErrRefConflict) {
		t.Errorf("update with stale old = %v, want ErrRefConflict", err)
	}
	if err := s.UpdateRefs(ctx, []gitstore.RefUpdate{{Name: "refs/tracevault/test/missing", New: c, Old: a}}); !errors.Is(err, gitstore.ErrRefConflict) {
		t.Errorf("update of missing ref with old = %v, want ErrRefConflict", err)
	}
	if got := ok(s.ResolveRef(ctx, ref)).must(t); got != b {
		t.Errorf("ResolveRef = %s, want %s", got, b)
	}
}

func testRefDelete(t *testing.T, s gitstore.Store) {
	a, b := commitN(t, s, 1), commitN(t, s, 2)
	noErr(t, s.UpdateRefs(ctx, []gitstore.RefUpdate{{Name: ref, New: a}}))
	if err := s.UpdateRefs(ctx, []gitstore.RefUpdate{{Name: ref, Old: b}}); !errors.Is(err, gitstore.ErrRefConflict) {
		t.Errorf("delete with wrong old = %v, want ErrRefConflict", err)
	}
	noErr(t, s.UpdateRefs(ctx, []gitstore.RefUpdate{{Name: ref, Old: a}}))
	if _, err := s.ResolveRef(ctx, ref); !errors.Is(err, gitstore.ErrNotFound) {
		t.Errorf("ResolveRef after delete = %v, want ErrNotFound", err)
	}
}

func testRefAtomic(t *testing.T, s gitstore.Store) {
	a, b := commitN(t, s, 1), commitN(t, s, 2)
	noErr(t, s.UpdateRefs(ctx, []gitstore.RefUpdate{{Name: "refs/tv/x", New: a}, {Name: "refs/tv/y", New: a}}))
	err := s.UpdateRefs(ctx, []gitstore.RefUpdate{
		{Name: "refs/tv/x", New: b, Old: a},
		{Name: "refs/tv/new", New: b},
		{Name: "refs/tv/y", New: b, Old: b}, // stale
	})
	if !errors.Is(err, gitstore.ErrRefConflict) {
		t.Errorf("transaction with one stale update = %v, want ErrRefConflict", err)
	}
	refs := ok(s.ListRefs(ctx, "refs/tv/")).must(t)
	want := []gitstore.Ref{{Name: "refs/tv/x", Hash: a}, {Name: "refs/tv/y", Hash: a}}
	if fmt.Sprint(refs) != fmt.Sprint(want) {
		t.Errorf("refs after failed transaction = %v, want %v", refs, want)
	}
}

func testRefInvalid(t *testing.T, s gitstore.Store) {
	a := commitN(t, s, 1)
	for _, name := range []string{"HEAD", "main", "refs/", "refs/a..b", "refs/a b", "refs/a.lock", "refs/.a", "refs/a/", "refs/a:b", "refs/a~1", "refs/a@{1}", "-refs/a"} {
		if err := s.UpdateRefs(ctx, []gitstore.RefUpdate{{Name: name, New: a}}); !errors.Is(err, gitstore.ErrInvalidRef) {
			t.Errorf("UpdateRefs(%q) = %v, want ErrInvalidRef", name, err)
		}
		if _, err := s.ResolveRef(ctx, name); !errors.Is(err, gitstore.ErrInvalidRef) {
			t.Errorf("ResolveRef(%q) = %v, want ErrInvalidRef", name, err)
		}
	}
	noErr(t, s.UpdateRefs(ctx, []gitstore.RefUpdate{{Name: "refs/tv/dir", New: a}}))
	if err := s.UpdateRefs(ctx, []gitstore.RefUpdate{{Name: "refs/tv/dir/sub", New: a}}); !errors.Is(err, gitstore.ErrInvalidRef) {
		t.Errorf("UpdateRefs(refs/tv/dir/sub) beside refs/tv/dir = %v, want ErrInvalidRef", err)
	}
	if err := s.UpdateRefs(ctx, []gitstore.RefUpdate{{Name: "refs/tv/a", New: a}, {Name: "refs/tv/a", New: a}}); !errors.Is(err, gitstore.ErrInvalidRef) {
		t.Errorf("UpdateRefs(same ref twice) = %v, want ErrInvalidRef", err)
	}
	if err := s.UpdateRefs(ctx, []gitstore.RefUpdate{{Name: "refs/tv/dir"}}); !errors.Is(err, gitstore.ErrInvalidRef) {
		t.Errorf("UpdateRefs(delete without old) = %v, want ErrInvalidRef", err)
	}
	if _, err := s.ListRefs(ctx, "refs/tv"); !errors.Is(err, gitstore.ErrInvalidRef) {
		t.Errorf("ListRefs(refs/tv) = %v, want ErrInvalidRef", err)
	}
}

func testListRefs(t *testing.T, s gitstore.Store) {
	a := commitN(t, s, 1)
	var ups []gitstore.RefUpdate
	for _, n := range []string{"refs/tv/b/c", "refs/tv/a", "refs/tvx/d", "refs/heads/main", "refs/tv/b/a"} {
		ups = append(ups, gitstore.RefUpdate{Name: n, New: a})
	}
	noErr(t, s.UpdateRefs(ctx, ups))
	tests := []struct{ prefix, want string }{
		{"refs/tv/", "refs/tv/a refs/tv/b/a refs/tv/b/c"},
		{"refs/tv/b/", "refs/tv/b/a refs/tv/b/c"},
		{"refs/none/", ""},
		{"", "refs/heads/main refs/tv/a refs/tv/b/a refs/tv/b/c refs/tvx/d"},
	}
	for _, tt := range tests {
		var names []string
		for _, r := range ok(s.ListRefs(ctx, tt.prefix)).must(t) {
			if r.Hash != a {
				t.Errorf("ListRefs(%q): %s = %s, want %s", tt.prefix, r.Name, r.Hash, a)
			}
			names = append(names, r.Name)
		}
		if got := strings.Join(names, " "); got != tt.want {
			t.Errorf("ListRefs(%q) = %q, want %q", tt.prefix, got, tt.want)
		}
	}
}

// AppendWithRetry appends one commit to ref with compare-and-swap,
// re-reading and retrying on [gitstore.ErrRefConflict]. It returns the
// number of conflicts seen. Concurrency tests use it.
func AppendWithRetry(ctx context.Context, s gitstore.Store, ref, msg string) (int, error) {
	tree, err := gitstore.WriteTree(ctx, s, nil)
	if err != nil {
		return 0, err
	}
	for conflicts := 0; conflicts < 10000; conflicts++ {
		old, err := s.ResolveRef(ctx, ref)
		if err != nil && !errors.Is(err, gitstore.ErrNotFound) {
			return conflicts, err
		}
		c := &gitstore.Commit{Tree: tree, Author: sig, Committer: sig, Message: msg}
		if !old.IsZero() {
			c.Parents = []gitstore.Hash{old}
		}
		h, err := gitstore.WriteCommit(ctx, s, c)
		if err != nil {
			return conflicts, err
		}
		err = s.UpdateRefs(ctx, []gitstore.RefUpdate{{Name: ref, New: h, Old: old}})
		if err == nil {
			return conflicts, nil
		}
		if !errors.Is(err, gitstore.ErrRefConflict) {
			return conflicts, err
		}
		// Jittered exponential backoff keeps writers from thrashing.
		time.Sleep(time.Duration(rand.IntN(5<<min(conflicts, 5))) * time.Millisecond)
	}
	return 0, fmt.Errorf("appending to %s: too many conflicts", ref)
}

// CountChain returns the number of commits on ref's first-parent chain
// and their messages.
func CountChain(ctx context.Context, s gitstore.Store, ref string) (map[string]int, int, error) {
	h, err := s.ResolveRef(ctx, ref)
	if err != nil {
		return nil, 0, err
	}
	msgs := map[string]int{}
	n := 0
	for !h.IsZero() {
		c, err := gitstore.ReadCommit(ctx, s, h)
		if err != nil {
			return nil, 0, err
		}
		msgs[c.Message]++
		n++
		h = gitstore.ZeroHash
		if len(c.Parents) > 0 {
			h = c.Parents[0]
		}
	}
	return msgs, n, nil
}

func testConcurrentCAS(t *testing.T, s gitstore.Store) {
	const workers, each = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if _, err := AppendWithRetry(ctx, s, ref, fmt.Sprintf("w%d-%d\n", w, i)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	msgs, n, err := CountChain(ctx, s, ref)
	if err != nil {
		t.Fatal(err)
	}
	if n != workers*each || len(msgs) != workers*each {
		t.Errorf("chain has %d commits (%d distinct), want %d: lost updates", n, len(msgs), workers*each)
	}
}
