package verify_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tracevault/tracevault/capture/record"
	"github.com/tracevault/tracevault/capture/verify"
	"github.com/tracevault/tracevault/gitstore"
	"github.com/tracevault/tracevault/gitstore/notes"
	"github.com/tracevault/tracevault/internal/testutil"
	"github.com/tracevault/tracevault/policy"
	"github.com/tracevault/tracevault/policy/policyfile"
	"github.com/tracevault/tracevault/seal/sigkey"
)

// want is what one commit of a built range must look like.
type want struct {
	status   policy.TraceStatus
	errHas   string
	aiLines  map[string]int // path -> AI lines
	sessions int
	trailers map[string][]string
}

func TestBuild(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		// setup makes commits after a base commit and returns the
		// allowed signers to verify with (nil: the fixture's writer).
		setup func(f *fixture) *sigkey.AllowedSigners
		want  []want
		// verdict, when set, is checked against this policy.
		policy, decision string
	}{
		{
			name: "ok trace",
			setup: func(f *fixture) *sigkey.AllowedSigners {
				f.aiWrite("s1", "payments/ledger.go", "package payments\n\nvar X = 1\n")
				f.humanWrite("README.md", "hello\n")
				f.commit("add ledger", true)
				return nil
			},
			want:   []want{{status: policy.TraceOK, aiLines: map[string]int{"payments/ledger.go": 3, "README.md": 0}, sessions: 1}},
			policy: "rules:\n  - name: protect\n    action: block\n    condition: {type: sensitive_path, patterns: [\"payments/**\"]}\n", decision: "block",
		},
		{
			name: "missing trace",
			setup: func(f *fixture) *sigkey.AllowedSigners {
				f.humanWrite("main.go", "package main\n")
				f.commit("human work", false)
				return nil
			},
			want:   []want{{status: policy.TraceMissing, aiLines: map[string]int{"main.go": 0}}},
			policy: "rules:\n  - name: traced\n    action: block\n    condition: {type: trace_completeness}\n", decision: "block",
		},
		{
			name: "human-declared commit",
			setup: func(f *fixture) *sigkey.AllowedSigners {
				f.humanWrite("main.go", "package main\n")
				f.commit("human work\n\nWritten by hand.\n\nTraceVault-Human: yes\nSigned-off-by: A <a@example.com>\n", false)
				return nil
			},
			want:     []want{{status: policy.TraceMissing, trailers: map[string][]string{"TraceVault-Human": {"yes"}, "Signed-off-by": {"A <a@example.com>"}}}},
			policy:   "rules:\n  - name: traced\n    action: block\n    condition: {type: trace_completeness, human_trailers: [\"TraceVault-Human: yes\"]}\n",
			decision: "allow",
		},
		{
			name: "human edit of an AI file is human",
			setup: func(f *fixture) *sigkey.AllowedSigners {
				f.aiWrite("s1", "payments/ledger.go", "package payments\n")
				f.commit("ai", true)
				f.humanWrite("payments/ledger.go", "package payments\n\n// by hand\n")
				f.commit("human", false)
				return nil
			},
			want: []want{
				{status: policy.TraceOK, aiLines: map[string]int{"payments/ledger.go": 1}, sessions: 1},
				{status: policy.TraceMissing, aiLines: map[string]int{"payments/ledger.go": 0}},
			},
		},
		{
			name: "unknown key",
			setup: func(f *fixture) *sigkey.AllowedSigners {
				f.aiWrite("s1", "a.go", "package a\n")
				f.commit("ai", true)
				as, _ := sigkey.ParseAllowedSigners(nil)
				return as
			},
			want:   []want{{status: policy.TraceInvalid, errHas: "not in .tracevault/allowed_signers"}},
			policy: "rules:\n  - name: traced\n    action: block\n    condition: {type: trace_completeness}\n", decision: "block",
		},
		{
			name: "note not matching its record",
			setup: func(f *fixture) *sigkey.AllowedSigners {
				f.aiWrite("s1", "a.go", "package a\n")
				h := f.commit("ai", true)
				editNote(f, h, func(n string) string { return strings.Replace(n, "tv1 file 1 0 a.go", "tv1 file 0 1 a.go", 1) })
				return nil
			},
			want: []want{{status: policy.TraceInvalid, errHas: `line "tv1 file 0 1 a.go" is not derived from the record`}},
		},
		{
			name: "forged record (bad signature)",
			setup: func(f *fixture) *sigkey.AllowedSigners {
				f.aiWrite("s1", "a.go", "package a\n")
				h := f.commit("ai", true)
				forgeTip(f, h, func(raw string) string { return strings.Replace(raw, `"ai_lines":1`, `"ai_lines":0`, 1) })
				return nil
			},
			want: []want{{status: policy.TraceInvalid, errHas: "record.sig"}},
		},
		{
			name: "record on no chain here",
			setup: func(f *fixture) *sigkey.AllowedSigners {
				f.aiWrite("s1", "a.go", "package a\n")
				f.commit("ai", true)
				testutil.Git(f.t, f.dir, "update-ref", "-d", record.LogRef(f.l.Writer.ID()))
				return nil
			},
			want: []want{{status: policy.TraceInvalid, errHas: "no chain of writer"}},
		},
		{
			name: "fetched copies of notes and chains",
			setup: func(f *fixture) *sigkey.AllowedSigners {
				f.aiWrite("s1", "a.go", "package a\n")
				f.commit("ai", true)
				w := f.l.Writer.ID()
				testutil.Git(f.t, f.dir, "update-ref", record.RemoteLogRef("origin", w), record.LogRef(w))
				testutil.Git(f.t, f.dir, "update-ref", "-d", record.LogRef(w))
				testutil.Git(f.t, f.dir, "update-ref", record.RemoteNotesRef("origin"), record.NotesRef)
				testutil.Git(f.t, f.dir, "update-ref", "-d", record.NotesRef)
				return nil
			},
			want: []want{{status: policy.TraceOK, aiLines: map[string]int{"a.go": 1}, sessions: 1}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.humanWrite("base.txt", "base\n")
			base := f.commit("base", false)
			allowed := tt.setup(f)
			if allowed == nil {
				allowed = f.allowed()
			}
			head, _ := gitstore.ParseHash(testutil.Git(t, f.dir, "rev-parse", "HEAD"))
			b := &verify.Builder{Store: f.store, Allowed: allowed}
			res, err := b.Build(ctx, verify.Range{Include: []gitstore.Hash{head}, Exclude: []gitstore.Hash{base}, Branch: "main"})
			if err != nil {
				t.Fatalf("Build() error: %v", err)
			}
			if len(res.Input.Commits) != len(tt.want) || len(res.Traces) != len(tt.want) {
				t.Fatalf("Build() gave %d commits, %d traces, want %d", len(res.Input.Commits), len(res.Traces), len(tt.want))
			}
			for i, w := range tt.want {
				c, tr := res.Input.Commits[i], res.Traces[i]
				if c.TraceStatus != w.status || tr.Status != w.status {
					t.Errorf("commit %d: status %q/%q (%s), want %q", i, c.TraceStatus, tr.Status, tr.Error, w.status)
				}
				if !strings.Contains(tr.Error, w.errHas) || (w.errHas == "") != (tr.Error == "") {
					t.Errorf("commit %d: error %q, want one containing %q", i, tr.Error, w.errHas)
				}
				for p, n := range w.aiLines {
					if got := aiLines(c, p); got != n {
						t.Errorf("commit %d: AI lines of %s = %d, want %d", i, p, got, n)
					}
				}
				if len(c.Sessions) != w.sessions {
					t.Errorf("commit %d: %d sessions, want %d", i, len(c.Sessions), w.sessions)
				}
				if w.trailers != nil {
					if d := cmp.Diff(w.trailers, c.Trailers); d != "" {
						t.Errorf("commit %d: trailers (-want +got):\n%s", i, d)
					}
				}
			}
			if tt.policy != "" {
				p, err := policyfile.Compile([]byte(tt.policy))
				if err != nil {
					t.Fatal(err)
				}
				if v := p.EvaluateCommits(res.Input); string(v.Decision) != tt.decision {
					t.Errorf("verdict %s, want decision %s", v.JSON(), tt.decision)
				}
			}
		})
	}
}

func aiLines(c policy.CommitInput, path string) int {
	for _, f := range c.ChangedFiles {
		if f.Path == path {
			return f.AILines
		}
	}
	return -1
}

// editNote rewrites the note of commit h.
func editNote(f *fixture, h gitstore.Hash, edit func(string) string) {
	f.t.Helper()
	n := notes.Notes{Store: f.store, Ref: record.NotesRef}
	sig := f.l.Writer.Identity
	sig.When = time.Now()
	got, err := n.Read(context.Background(), []gitstore.Hash{h})
	if err != nil {
		f.t.Fatal(err)
	}
	if err := n.Set(context.Background(), map[gitstore.Hash][]byte{h: []byte(edit(string(got[h])))}, "edit", sig); err != nil {
		f.t.Fatal(err)
	}
}

// forgeTip replaces the writer's tip record with an edited copy that keeps
// the old signature, and points the chain and commit h's note at it.
func forgeTip(f *fixture, h gitstore.Hash, edit func(string) string) {
	f.t.Helper()
	ctx := context.Background()
	ref := record.LogRef(f.l.Writer.ID())
	chain, err := record.ReadChain(ctx, f.store, ref)
	if err != nil {
		f.t.Fatal(err)
	}
	tip := chain[len(chain)-1]
	raw := edit(string(tip.Raw))
	b := gitstore.NewBatch(f.store)
	tree, err := b.AddTree([]gitstore.TreeEntry{
		{Name: record.RecordFile, Mode: gitstore.ModeFile, Hash: b.AddBlob([]byte(raw))},
		{Name: record.SigFile, Mode: gitstore.ModeFile, Hash: b.AddBlob([]byte(tip.Sig))},
	})
	if err != nil {
		f.t.Fatal(err)
	}
	old, err := gitstore.ReadCommit(ctx, f.store, tip.Commit)
	if err != nil {
		f.t.Fatal(err)
	}
	old.Tree = tree
	nc, err := b.AddCommit(old)
	if err != nil {
		f.t.Fatal(err)
	}
	if err := b.Flush(ctx); err != nil {
		f.t.Fatal(err)
	}
	testutil.Git(f.t, f.dir, "update-ref", ref, nc.String())
	editNote(f, h, func(n string) string { return strings.ReplaceAll(n, tip.Commit.String(), nc.String()) })
}

func TestParseTrailers(t *testing.T) {
	tests := []struct {
		name, msg string
		want      map[string][]string
	}{
		{"subject only", "Fix: the thing\n", nil},
		{"no trailer paragraph", "subject\n\nbody text\n", nil},
		{"trailers", "subject\n\nbody\n\nTraceVault-Human: yes\nCo-authored-by: A <a@x>\nCo-authored-by: B <b@x>\n",
			map[string][]string{"TraceVault-Human": {"yes"}, "Co-authored-by": {"A <a@x>", "B <b@x>"}}},
		{"continuation", "s\n\nKey: one\n  two\n", map[string][]string{"Key": {"one two"}}},
		{"mixed last paragraph is not trailers", "s\n\nKey: v\nnot a trailer\n", nil},
		{"bad token", "s\n\nBad Key: v\n", nil},
		{"crlf", "s\r\n\r\nKey: v\r\n", map[string][]string{"Key": {"v"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := cmp.Diff(tt.want, verify.ParseTrailers(tt.msg)); d != "" {
				t.Errorf("ParseTrailers(%q) (-want +got):\n%s", tt.msg, d)
			}
		})
	}
}
