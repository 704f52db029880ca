package gitcli_test

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tracevault/tracevault/gitstore"
	"github.com/tracevault/tracevault/gitstore/gitcli"
	"github.com/tracevault/tracevault/gitstore/storetest"
	"github.com/tracevault/tracevault/internal/testutil"
)

// TestContractGitWrites runs the contract suite with a setting that sends
// object writes to `git unpack-objects` instead of the in-process writer.
func TestContractGitWrites(t *testing.T) {
	storetest.Run(t, func(t *testing.T) gitstore.Store {
		dir := testutil.NewRepo(t)
		testutil.Git(t, dir, "config", "core.looseCompression", "6")
		return open(t, dir)
	})
}

// sample is a blob, a tree naming it and a commit of that tree.
func sample(t *testing.T, tag string) []gitstore.Object {
	t.Helper()
	blob := gitstore.Object{Type: gitstore.TypeBlob, Data: []byte(strings.Repeat(tag+" line\n", 1000))}
	tree, err := gitstore.EncodeTree([]gitstore.TreeEntry{{Name: "f", Mode: gitstore.ModeFile, Hash: blob.Hash()}})
	if err != nil {
		t.Fatal(err)
	}
	who := gitstore.Signature{Name: "A", Email: "a@example.com", When: time.Unix(1700000000, 0).UTC()}
	c, err := gitstore.EncodeCommit(&gitstore.Commit{Tree: gitstore.HashObject(gitstore.TypeTree, tree), Author: who, Committer: who, Message: tag + "\n"})
	if err != nil {
		t.Fatal(err)
	}
	return []gitstore.Object{blob, {Type: gitstore.TypeTree, Data: tree}, {Type: gitstore.TypeCommit, Data: c}}
}

// looseFiles lists the files under objects/ whose directory is a two-hex
// fan-out directory (loose objects and temporary files).
func looseFiles(t *testing.T, s *gitcli.Store) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(filepath.Join(s.CommonDir(), "objects"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && len(filepath.Base(filepath.Dir(p))) == 2 {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// TestNativeLooseObjects checks objects written in process the way git
// checks its own: git reads them, fsck --strict is clean, the files are
// read-only like git's, and gc packs them.
func TestNativeLooseObjects(t *testing.T) {
	dir := testutil.NewRepo(t)
	s := open(t, dir)
	objs := sample(t, "native")
	hs, err := s.WriteObjects(ctx, objs)
	if err != nil {
		t.Fatal(err)
	}
	for i, h := range hs {
		if got := testutil.Git(t, dir, "cat-file", "-t", h.String()); got != string(objs[i].Type) {
			t.Errorf("git cat-file -t %s = %s, want %s", h, got, objs[i].Type)
		}
	}
	if got := testutil.Git(t, dir, "cat-file", "blob", hs[0].String()); got+"\n" != string(objs[0].Data) {
		t.Errorf("git cat-file blob returned %d bytes, want %d", len(got)+1, len(objs[0].Data))
	}
	files := looseFiles(t, s)
	if len(files) != 3 {
		t.Fatalf("loose files = %q, want the 3 objects only", files)
	}
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil || fi.Mode().Perm()&0o222 != 0 {
			t.Errorf("%s: mode %v, %v; want read-only", f, fi.Mode(), err)
		}
	}
	testutil.Git(t, dir, "update-ref", "refs/heads/main", hs[2].String())
	testutil.Git(t, dir, "fsck", "--strict", "--no-dangling")
	testutil.Git(t, dir, "gc", "-q", "--prune=now")
	if files := looseFiles(t, s); len(files) != 0 {
		t.Errorf("after gc: loose files %q", files)
	}
	testutil.Git(t, dir, "fsck", "--strict", "--no-dangling")
}

// TestNativePackedAndLoose writes objects the repository already holds in
// a pack or loose, alongside new ones: nothing is duplicated and all read
// back, through the store and through git.
func TestNativePackedAndLoose(t *testing.T) {
	dir := testutil.NewRepo(t)
	s := open(t, dir)
	packed, loose := sample(t, "packed"), sample(t, "loose")
	hs, err := s.WriteObjects(ctx, packed)
	if err != nil {
		t.Fatal(err)
	}
	testutil.Git(t, dir, "update-ref", "refs/heads/main", hs[2].String())
	testutil.Git(t, dir, "gc", "-q")
	if _, err := s.WriteObjects(ctx, loose); err != nil {
		t.Fatal(err)
	}
	all := append(append(append([]gitstore.Object{}, packed...), loose...), gitstore.Object{Type: gitstore.TypeBlob, Data: []byte("new\n")})
	hs, err = s.WriteObjects(ctx, all)
	if err != nil {
		t.Fatal(err)
	}
	if files := looseFiles(t, s); len(files) != 4 {
		t.Errorf("loose files = %q, want the 3 loose objects and the new one", files)
	}
	got, err := s.ReadObjects(ctx, hs)
	if err != nil {
		t.Fatal(err)
	}
	for i, h := range hs {
		if string(got[h].Data) != string(all[i].Data) {
			t.Errorf("object %d (%s) does not read back", i, h)
		}
	}
	testutil.Git(t, dir, "fsck", "--strict", "--no-dangling")
}

// TestNativeConcurrentStores has separate stores (as separate processes
// would) write the same objects at once: all succeed, no temporary file is
// left behind and the repository is clean.
func TestNativeConcurrentStores(t *testing.T) {
	dir := testutil.NewRepo(t)
	var objs []gitstore.Object
	for i := range 30 {
		objs = append(objs, sample(t, fmt.Sprint("same ", i))...)
	}
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for w := range errs {
		s := open(t, dir)
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[w] = s.WriteObjects(ctx, objs)
		}()
	}
	wg.Wait()
	for w, err := range errs {
		if err != nil {
			t.Errorf("store %d: %v", w, err)
		}
	}
	for _, f := range looseFiles(t, open(t, dir)) {
		if strings.Contains(filepath.Base(f), "tmp_obj_") {
			t.Errorf("temporary file left: %s", f)
		}
	}
	testutil.Git(t, dir, "fsck", "--strict")
}

// TestSharedRepositoryUsesGit checks that core.sharedRepository, whose
// permissions the in-process writer does not apply, sends writes to git:
// the fan-out directory gets git's shared mode.
func TestSharedRepositoryUsesGit(t *testing.T) {
	dir := testutil.NewRepo(t)
	testutil.Git(t, dir, "config", "core.sharedRepository", "group")
	s := open(t, dir)
	hs, err := s.WriteObjects(ctx, sample(t, "shared"))
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(s.CommonDir(), "objects", hs[0].String()[:2]))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&fs.ModeSetgid == 0 || fi.Mode().Perm()&0o020 == 0 {
		t.Errorf("fan-out directory mode %v, want group-writable and setgid as git makes it", fi.Mode())
	}
}

// TestSetWriteConfig checks that settings handed over by the caller are
// used instead of asking git: told that nothing is set, the store writes in
// process, without the shared permissions git would apply.
func TestSetWriteConfig(t *testing.T) {
	dir := testutil.NewRepo(t)
	testutil.Git(t, dir, "config", "core.sharedRepository", "group")
	s := open(t, dir)
	s.SetWriteConfig(map[string]string{})
	hs, err := s.WriteObjects(ctx, sample(t, "told"))
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(s.CommonDir(), "objects", hs[0].String()[:2]))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&fs.ModeSetgid != 0 {
		t.Errorf("fan-out directory mode %v: written by git, not in process", fi.Mode())
	}
}
