package storage

import (
	"bytes"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// seq is the environment of an interactive rebase whose todo list is
// edited by a sed script.
func seq(sedScript string) []string {
	return []string{"GIT_SEQUENCE_EDITOR=sed -i -e '" + sedScript + "'", "GIT_EDITOR=true"}
}

// threeOnFeature makes a feature branch with three commits:
// F1 agent writes a.go; F2 agent adds a line on top of a.go and a human
// writes b.txt; F3 agent writes c.go.
func threeOnFeature(e *env) {
	e.git("checkout", "-q", "-b", "feature")
	e.agentWrite("a.go", five)
	e.commitAll("F1")
	e.agentEdit("a.go", "package p\n", "// Package p.\npackage p\n")
	e.write("b.txt", "human\n")
	e.commitAll("F2")
	e.agentWrite("c.go", "package p\n\nvar C = 3\n")
	e.commitAll("F3")
}

// shiftedMain makes main and feature diverge on f.txt: feature's F1 has an
// agent append two lines; main's M1 has a human insert two lines on top.
// It leaves feature checked out.
func shiftedMain(e *env) {
	e.write("f.txt", "a\nb\nc\n")
	e.commitAll("base")
	e.git("checkout", "-q", "-b", "feature")
	e.agentEdit("f.txt", "c\n", "c\nX\nY\n")
	e.commitAll("F1")
	e.git("checkout", "-q", "main")
	e.write("f.txt", "top1\ntop2\na\nb\nc\n")
	e.commitAll("M1")
	e.git("checkout", "-q", "feature")
}

func TestRewrites(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		setup   func(e *env)
		rewrite func(e *env)
		// want maps revisions (after the rewrite) to their attribution.
		want map[string]map[string]fileLines
		// gap, when set, says why the notes-only variant cannot carry
		// attribution: there the commit must have no note at all (an
		// honest gap, never wrong lines).
		gap string
	}{
		{
			name: "amend adds a human line on top",
			setup: func(e *env) {
				e.agentWrite("a.go", five)
				e.commitAll("one")
			},
			rewrite: func(e *env) {
				e.write("a.go", "// header\n"+e.read("a.go"))
				e.git("add", "a.go")
				e.git("commit", "-q", "--amend", "--no-edit")
			},
			want: map[string]map[string]fileLines{"HEAD": {"a.go": {AI: "2-6", Human: "1"}}},
		},
		{
			name: "amend message only",
			setup: func(e *env) {
				e.agentWrite("a.go", five)
				e.write("h.txt", "h\n")
				e.commitAll("one")
			},
			rewrite: func(e *env) { e.git("commit", "-q", "--amend", "-m", "reworded") },
			want:    map[string]map[string]fileLines{"HEAD": {"a.go": {AI: "1-5"}, "h.txt": {Human: "1"}}},
		},
		{
			name:    "rebase onto shifted upstream",
			setup:   shiftedMain,
			rewrite: func(e *env) { e.gitEnv([]string{"GIT_EDITOR=true"}, "rebase", "-q", "main") },
			want:    map[string]map[string]fileLines{"HEAD": {"f.txt": {AI: "6-7"}}},
		},
		{
			name:    "rebase squash",
			setup:   threeOnFeature,
			rewrite: func(e *env) { e.gitEnv(seq("2s/^pick/squash/"), "rebase", "-q", "-i", "main") },
			want: map[string]map[string]fileLines{
				"HEAD~1": {"a.go": {AI: "1-6"}, "b.txt": {Human: "1"}},
				"HEAD":   {"c.go": {AI: "1-3"}},
			},
		},
		{
			name:    "rebase fixup",
			setup:   threeOnFeature,
			rewrite: func(e *env) { e.gitEnv(seq("2s/^pick/fixup/;3s/^pick/fixup/"), "rebase", "-q", "-i", "main") },
			want: map[string]map[string]fileLines{
				"HEAD": {"a.go": {AI: "1-6"}, "b.txt": {Human: "1"}, "c.go": {AI: "1-3"}},
			},
		},
		{
			name:    "rebase reorder",
			setup:   threeOnFeature,
			rewrite: func(e *env) { e.gitEnv(seq("2{h;d};3{G}"), "rebase", "-q", "-i", "main") },
			want: map[string]map[string]fileLines{
				"HEAD~2": {"a.go": {AI: "1-5"}},
				"HEAD~1": {"c.go": {AI: "1-3"}},
				"HEAD":   {"a.go": {AI: "1"}, "b.txt": {Human: "1"}},
			},
		},
		{
			name:    "rebase drop",
			setup:   threeOnFeature,
			rewrite: func(e *env) { e.gitEnv(seq("2s/^pick/drop/"), "rebase", "-q", "-i", "main") },
			want: map[string]map[string]fileLines{
				"HEAD~1": {"a.go": {AI: "1-5"}},
				"HEAD":   {"c.go": {AI: "1-3"}},
			},
		},
		{
			name:  "rebase squash onto shifted upstream",
			setup: shiftedMain,
			rewrite: func(e *env) {
				e.agentEdit("f.txt", "Y\n", "Y\nZ\n")
				e.write("f.txt", e.read("f.txt")+"human\n")
				e.commitAll("F2")
				e.gitEnv(seq("2s/^pick/squash/"), "rebase", "-q", "-i", "main")
			},
			want: map[string]map[string]fileLines{"HEAD": {"f.txt": {AI: "6-8", Human: "9"}}},
		},
		{
			name:  "cherry-pick onto shifted upstream",
			setup: shiftedMain,
			rewrite: func(e *env) {
				e.git("checkout", "-q", "main")
				e.git("cherry-pick", "feature")
			},
			want: map[string]map[string]fileLines{"HEAD": {"f.txt": {AI: "6-7"}}},
		},
		{
			name:  "cherry-pick -x",
			setup: threeOnFeature,
			rewrite: func(e *env) {
				e.git("checkout", "-q", "main")
				e.git("cherry-pick", "-x", "feature~2")
			},
			want: map[string]map[string]fileLines{"HEAD": {"a.go": {AI: "1-5"}}},
		},
		{
			name:  "merge --squash",
			setup: threeOnFeature,
			rewrite: func(e *env) {
				e.git("checkout", "-q", "main")
				e.git("merge", "-q", "--squash", "feature")
				e.gitEnv([]string{"GIT_EDITOR=true"}, "commit", "-q", "--no-edit")
			},
			want: map[string]map[string]fileLines{
				"HEAD": {"a.go": {AI: "1-6"}, "b.txt": {Human: "1"}, "c.go": {AI: "1-3"}},
			},
		},
		{
			name:  "merge --squash with -m",
			setup: shiftedMain,
			rewrite: func(e *env) {
				e.git("checkout", "-q", "main")
				e.git("merge", "-q", "--squash", "feature")
				e.git("commit", "-q", "-m", "squashed")
			},
			want: map[string]map[string]fileLines{"HEAD": {"f.txt": {AI: "6-7"}}},
			gap: "git deletes SQUASH_MSG before post-commit and -m drops its commit list: " +
				"nothing names the squashed commits unless a prepare-commit-msg hook saves SQUASH_MSG",
		},
	}
	for _, mode := range []string{"spool", "notes-only"} {
		for _, tt := range tests {
			t.Run(mode+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				e := newEnv(t)
				tt.setup(e)
				old := map[string][]byte{}
				for _, c := range e.commits {
					old[c.String()] = e.noteOf(c)
				}
				if mode == "notes-only" {
					// The edits were made elsewhere (another clone, or
					// the spool was cleared): only notes can carry
					// attribution through the rewrite.
					if err := os.RemoveAll(e.path(".git/tracevault/spool")); err != nil {
						t.Fatal(err)
					}
				}
				tt.rewrite(e)
				if mode == "notes-only" && tt.gap != "" {
					t.Logf("known gap: %s", tt.gap)
					if n := e.noteOf(e.head()); n != nil {
						t.Errorf("HEAD has a note without evidence:\n%s", n)
					}
					e.checkRepo()
					return
				}
				for rev, want := range tt.want {
					c := e.rev(rev)
					if diff := cmp.Diff(want, e.attribution(c)); diff != "" {
						t.Errorf("%s (%s) attribution mismatch (-want +got):\n%s\nnote:\n%s", rev, c, diff, e.noteOf(c))
					}
				}
				for c, n := range old {
					if got := e.noteOf(e.rev(c)); !bytes.Equal(got, n) {
						t.Errorf("note of old commit %s changed:\n%s\nwant:\n%s", c, got, n)
					}
				}
				e.checkRepo()
			})
		}
	}
}
