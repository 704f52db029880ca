package record_test

import (
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/capture/record"
	"github.com/tracevault/tracevault/gitstore"
	"github.com/tracevault/tracevault/gitstore/gitcli"
	"github.com/tracevault/tracevault/internal/testutil"
	"github.com/tracevault/tracevault/seal/sigkey"
)

var updateDoc = flag.Bool("update", false, "rewrite the worked example in docs/format.md")

// exampleKey is the fixed key of the worked example: seed bytes 0..31.
func exampleKey(t *testing.T) *sigkey.Key {
	t.Helper()
	seed := make([]byte, ed25519.SeedSize)
	for i := range seed {
		seed[i] = byte(i)
	}
	der, err := x509.MarshalPKCS8PrivateKey(ed25519.NewKeyFromSeed(seed))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	k, err := sigkey.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// example produces the worked example's blocks with the real code.
func example(t *testing.T) map[string]string {
	t.Helper()
	ctx := context.Background()
	s, err := gitcli.Open(ctx, testutil.NewRepo(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	key := exampleKey(t)
	clock := time.Date(2026, 11, 27, 10, 0, 0, 123456789, time.UTC)
	w := &record.Writer{Store: s, Key: key, Identity: gitstore.Signature{Name: "Ada Dev", Email: "ada@example.com"}, Now: func() time.Time { return clock }}
	id := w.ID()
	sess := &capture.Session{ID: "9f0c2a51-7d1e-4c3b-a2f0-1b2c3d4e5f60", Agent: "claude-code", Models: []string{"claude-sonnet-4-5"}}
	attr := &record.CommitAttribution{
		Commit: "d99de2afa510a687cde5cc9fd1c053c26cde72de", Parent: "3c1d9f4e2b7a60815d2e9c4b7a3f1e0d9c8b7a65", Evidence: "hooks",
		Sessions: []record.SessionRef{{ID: sess.ID, Agent: "claude-code", Models: []string{"claude-sonnet-4-5"}, Record: id + "/1"}},
		Files: []record.FileAttr{{Path: "hello.go", Added: 6, AI: 5, Human: 1, Ranges: []record.Range{
			{Start: 1, End: 5, Session: sess.ID, Agent: "claude-code", Model: "claude-sonnet-4-5", Tool: "toolu_01"}}}},
		AILines: 5, HumanLines: 1,
	}
	stored, err := w.Append(ctx, []record.Item{{Type: record.TypeSession, Body: sess}, {Type: record.TypeCommit, Body: attr}})
	if err != nil {
		t.Fatal(err)
	}
	st := stored[1]
	note, err := record.RenderNote(&st)
	if err != nil {
		t.Fatal(err)
	}
	_, commit, err := s.ReadObject(ctx, st.Commit)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{
		"allowed_signers": sigkey.Signer{WriterID: id, Identity: "ada@example.com", Key: key.Public()}.Line() + "\n",
		"record.json":     string(st.Raw) + "\n",
		"record.sig":      st.Sig,
		"chain-commit":    string(commit),
		"note":            string(note),
	}
}

var exampleBlock = regexp.MustCompile("(?s)<!-- example:([a-z.:_-]+) -->\n```[a-z]*\n(.*?)```\n")

// TestFormatDocExample checks the worked example in docs/format.md is
// exactly what the code produces with the fixed key and clock (the record
// has no trailing newline; the doc block adds one).
func TestFormatDocExample(t *testing.T) {
	path := filepath.Join(testutil.RepoRoot(t), "docs", "format.md")
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := example(t)
	if *updateDoc {
		out := exampleBlock.ReplaceAllStringFunc(string(doc), func(m string) string {
			name := exampleBlock.FindStringSubmatch(m)[1]
			return "<!-- example:" + name + " -->\n```\n" + want[name] + "```\n"
		})
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		doc = []byte(out)
	}
	got := map[string]string{}
	for _, m := range exampleBlock.FindAllStringSubmatch(string(doc), -1) {
		got[m[1]] = m[2]
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("docs/format.md example %s:\n%s\nwant (run go test ./capture/record -run TestFormatDocExample -update):\n%s", name, got[name], w)
		}
	}
}
