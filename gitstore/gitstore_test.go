package gitstore_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tracevault/tracevault/gitstore"
)

func TestParseHash(t *testing.T) {
	good := strings.Repeat("0a", 20)
	if h, err := gitstore.ParseHash(good); err != nil || h.String() != good {
		t.Errorf("ParseHash(%q) = %s, %v", good, h, err)
	}
	for _, bad := range []string{"", strings.Repeat("0A", 20), good[:39], good + "0", strings.Repeat("g", 40), " " + good[1:]} {
		if _, err := gitstore.ParseHash(bad); err == nil {
			t.Errorf("ParseHash(%q) succeeded, want error", bad)
		}
	}
	if gitstore.EmptyTree.String() != "4b825dc642cb6eb9a060e54bf8d69288fbee4904" {
		t.Errorf("EmptyTree = %s", gitstore.EmptyTree)
	}
}

func TestSortTree(t *testing.T) {
	es := []gitstore.TreeEntry{{Name: "a0"}, {Name: "a", Mode: gitstore.ModeTree}, {Name: "a.b"}, {Name: "a-"}}
	gitstore.SortTree(es)
	var names []string
	for _, e := range es {
		names = append(names, e.Name)
	}
	if got := strings.Join(names, " "); got != "a- a.b a a0" {
		t.Errorf("SortTree order = %q, want %q", got, "a- a.b a a0")
	}
}

var sampleCommit = "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n" +
	"parent 0123456789abcdef0123456789abcdef01234567\n" +
	"author A U Thor <a@example.com> 1700000000 +0130\n" +
	"committer C O Mitter <c@example.com> 1700000001 -0800\n" +
	"gpgsig -----BEGIN PGP SIGNATURE-----\n \n abc\n -----END PGP SIGNATURE-----\n" +
	"\nsubject\n\nbody\n"

func TestParseCommitMangled(t *testing.T) {
	c, err := gitstore.ParseCommit([]byte(sampleCommit))
	if err != nil {
		t.Fatal(err)
	}
	if _, off := c.Author.When.Zone(); off != 90*60 || c.ExtraHeaders[0].Value != "-----BEGIN PGP SIGNATURE-----\n\nabc\n-----END PGP SIGNATURE-----" {
		t.Errorf("ParseCommit = %+v", c)
	}
	// Every single-byte change either fails to parse or still round-trips
	// (strictness: no two encodings of one commit).
	for i := range len(sampleCommit) {
		for _, b := range []byte{' ', '\n', '0', 'x', '<', '-', 0} {
			m := []byte(sampleCommit)
			if m[i] == b {
				continue
			}
			m[i] = b
			if c, err := gitstore.ParseCommit(m); err == nil {
				enc, _ := gitstore.EncodeCommit(c)
				if !bytes.Equal(enc, m) {
					t.Fatalf("mangled byte %d accepted without round trip: %q", i, m)
				}
			} else if !errors.Is(err, gitstore.ErrInvalidObject) {
				t.Fatalf("mangled byte %d: error %v does not wrap ErrInvalidObject", i, err)
			}
		}
	}
	for _, bad := range []string{
		strings.Replace(sampleCommit, "+0130", "-0000", 1),
		strings.Replace(sampleCommit, "1700000000", "01700000000", 1),
		strings.Replace(sampleCommit, "+0130", "+0160", 1),
		strings.Replace(sampleCommit, "\nsubject", "subject", 1),
		strings.Replace(sampleCommit, "committer", "x", 1),
	} {
		if _, err := gitstore.ParseCommit([]byte(bad)); err == nil {
			t.Errorf("ParseCommit accepted %q", bad)
		}
	}
}

func TestEncodeCommitRejects(t *testing.T) {
	ok := gitstore.Signature{Name: "a", Email: "b", When: time.Unix(0, 0)}
	for _, s := range []gitstore.Signature{
		{Name: "a<b", Email: "c", When: ok.When},
		{Name: "a", Email: "b>", When: ok.When},
		{Name: "a\n", Email: "b", When: ok.When},
		{Name: "a", Email: "b", When: time.Unix(0, 0).In(time.FixedZone("", 30))},
	} {
		if _, err := gitstore.EncodeCommit(&gitstore.Commit{Author: s, Committer: ok}); !errors.Is(err, gitstore.ErrInvalidObject) {
			t.Errorf("EncodeCommit(author %+v) = %v, want ErrInvalidObject", s, err)
		}
	}
	if _, err := gitstore.EncodeCommit(&gitstore.Commit{Author: ok, Committer: ok, ExtraHeaders: []gitstore.Header{{Key: "parent", Value: "x"}}}); err == nil {
		t.Error("EncodeCommit accepted a reserved extra header")
	}
}

func TestParseTreeRejects(t *testing.T) {
	h := strings.Repeat("\x01", 20)
	for _, bad := range []string{
		"100644 b\x00" + h + "100644 a\x00" + h,                       // order
		"100644 a\x00" + h + "100644 a\x00" + h,                       // duplicate
		"100644 a\x00" + h + "100644 a.b\x00" + h + "40000 a\x00" + h, // file and dir
		"040000 a\x00" + h, // non-canonical mode
		"100664 a\x00" + h,
		"100644 a\x00" + h[:19],
		"100644 .git\x00" + h,
		"100644 \x00" + h,
		"100644a\x00" + h,
	} {
		if _, err := gitstore.ParseTree([]byte(bad)); !errors.Is(err, gitstore.ErrInvalidObject) {
			t.Errorf("ParseTree(%q) = %v, want ErrInvalidObject", bad, err)
		}
	}
}

func TestCheckRefName(t *testing.T) {
	for _, good := range []string{"refs/notes/tracevault", "refs/tracevault/log/w-1_a.b", "refs/x/@"} {
		if err := gitstore.CheckRefName(good); err != nil {
			t.Errorf("CheckRefName(%q) = %v", good, err)
		}
	}
	for _, bad := range []string{"refs/a/.b", "refs/a//b", "refs/a.", "refs/a\x7f", "refs/a\tb", "refs/a^"} {
		if err := gitstore.CheckRefName(bad); !errors.Is(err, gitstore.ErrInvalidRef) {
			t.Errorf("CheckRefName(%q) = %v, want ErrInvalidRef", bad, err)
		}
	}
}

func FuzzParseTree(f *testing.F) {
	enc, _ := gitstore.EncodeTree([]gitstore.TreeEntry{{Name: "a", Mode: gitstore.ModeTree}, {Name: "a.b", Mode: gitstore.ModeExec}})
	f.Add(enc)
	f.Fuzz(func(t *testing.T, b []byte) {
		es, err := gitstore.ParseTree(b)
		if err != nil {
			return
		}
		enc, err := gitstore.EncodeTree(es)
		if err != nil || !bytes.Equal(enc, b) {
			t.Fatalf("ParseTree accepted %q but EncodeTree gives %q, %v", b, enc, err)
		}
	})
}

func FuzzParseCommit(f *testing.F) {
	f.Add([]byte(sampleCommit))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := gitstore.ParseCommit(b)
		if err != nil {
			return
		}
		enc, err := gitstore.EncodeCommit(c)
		if err != nil || !bytes.Equal(enc, b) {
			t.Fatalf("ParseCommit accepted %q but EncodeCommit gives %q, %v", b, enc, err)
		}
	})
}

func ExampleEncodeTree() {
	blob := gitstore.HashObject(gitstore.TypeBlob, []byte("hello\n"))
	data, _ := gitstore.EncodeTree([]gitstore.TreeEntry{
		{Name: "a0", Mode: gitstore.ModeFile, Hash: blob},
		{Name: "a", Mode: gitstore.ModeTree, Hash: gitstore.EmptyTree},
		{Name: "a.b", Mode: gitstore.ModeExec, Hash: blob},
	})
	es, _ := gitstore.ParseTree(data)
	for _, e := range es {
		fmt.Println(e.Mode, e.Name, e.Hash)
	}
	// The id git mktree gives for the same entries in any order:
	fmt.Println(gitstore.HashObject(gitstore.TypeTree, data))
	// Output:
	// 100755 a.b ce013625030ba8dba906f756967f9e9ca394464a
	// 40000 a 4b825dc642cb6eb9a060e54bf8d69288fbee4904
	// 100644 a0 ce013625030ba8dba906f756967f9e9ca394464a
	// 4fd2f106989b6d97c62400ba464dafc93325b952
}
