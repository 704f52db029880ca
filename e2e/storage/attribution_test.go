package storage

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const five = "package p\n\nfunc F() int {\n\treturn 1\n}\n"

// TestAttribution drives scripted histories through the real hook and git
// hooks and requires the exact AI and human line sets of every file.
func TestAttribution(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		script func(e *env)
		// commits lists the expected attribution of each commit the
		// script makes, oldest first (nil: no note).
		want []map[string]fileLines
	}{
		{
			name: "agent writes",
			script: func(e *env) {
				e.agentWrite("hello.go", five)
				e.commitAll("agent writes")
			},
			want: []map[string]fileLines{{"hello.go": {AI: "1-5"}}},
		},
		{
			name: "human edits after",
			script: func(e *env) {
				e.agentWrite("hello.go", five)
				e.write("hello.go", strings.Replace(five, "\treturn 1\n", "\treturn 2\n", 1)+"// human\n")
				e.commitAll("human after")
			},
			want: []map[string]fileLines{{"hello.go": {AI: "1-3,5", Human: "4,6"}}},
		},
		{
			name: "human edits between agent edits",
			script: func(e *env) {
				e.agentWrite("a.txt", "a\nb\nc\nd\ne\n")
				e.write("a.txt", "a\nb\nH\nc\nd\ne\n")
				e.agentEdit("a.txt", "e\n", "E\nF\n")
				e.commitAll("between")
			},
			want: []map[string]fileLines{{"a.txt": {AI: "1-2,4-7", Human: "3"}}},
		},
		{
			name: "agent edits a committed human file",
			script: func(e *env) {
				e.write("c.txt", "one\ntwo\nthree\n")
				e.commitAll("human file")
				e.agentEdit("c.txt", "two\n", "two\nTWO-A\nTWO-B\n")
				e.write("c.txt", e.read("c.txt")+"four\n")
				e.commitAll("agent edit")
			},
			want: []map[string]fileLines{nil, {"c.txt": {AI: "3-4", Human: "6"}}},
		},
		{
			name: "bash sed and append",
			script: func(e *env) {
				e.write("conf.txt", "one\ntwo\nthree\n")
				e.commitAll("conf")
				e.agentBash("sed -i 's/two/TWO/' conf.txt && printf 'four\\n' >> conf.txt")
				e.commitAll("bash edit")
			},
			want: []map[string]fileLines{nil, {"conf.txt": {AI: "2,4"}}},
		},
		{
			name: "human drift before bash",
			script: func(e *env) {
				e.write("conf.txt", "one\ntwo\nthree\n")
				e.commitAll("conf")
				e.write("conf.txt", "one\ntwo\nthree\nhuman\n")
				e.agentBash("sed -i 's/one/ONE/' conf.txt")
				e.commitAll("drift")
			},
			want: []map[string]fileLines{nil, {"conf.txt": {AI: "1", Human: "4"}}},
		},
		{
			name: "human edit between bash calls",
			script: func(e *env) {
				e.agentBash("printf 'a\\nb\\nc\\n' > gen.txt")
				e.write("gen.txt", "a\nhuman\nb\nc\n")
				e.agentBash("printf 'd\\n' >> gen.txt")
				e.commitAll("bash twice")
			},
			want: []map[string]fileLines{{"gen.txt": {AI: "1,3-5", Human: "2"}}},
		},
		{
			name: "agent write then bash mv",
			script: func(e *env) {
				e.agentWrite("new.go", five)
				e.agentBash("mv new.go renamed.go")
				e.commitAll("renamed")
			},
			want: []map[string]fileLines{{"renamed.go": {AI: "1-5"}}},
		},
		{
			name: "agent write, commit, then a pure rename by bash mv",
			script: func(e *env) {
				e.agentWrite("new.go", five)
				e.commitAll("new")
				e.agentBash("mv new.go renamed.go") // no added lines, no blob ids in the diff
				e.agentWrite("other.go", "o1\no2\no3\n")
				e.commitAll("renamed")
			},
			want: []map[string]fileLines{{"new.go": {AI: "1-5"}}, {"other.go": {AI: "1-3"}}},
		},
		{
			name: "rename of a committed file then agent edit",
			script: func(e *env) {
				e.write("old.txt", "l1\nl2\nl3\nl4\nl5\nl6\n")
				e.commitAll("old")
				e.agentBash("mv old.txt moved.txt")
				e.agentEdit("moved.txt", "l3\n", "l3\nagent\n")
				e.write("moved.txt", e.read("moved.txt")+"human\n")
				e.commitAll("moved")
			},
			want: []map[string]fileLines{nil, {"moved.txt": {AI: "4", Human: "8"}}},
		},
		{
			name: "git mv by human then agent edit",
			script: func(e *env) {
				e.write("src.txt", "l1\nl2\nl3\nl4\nl5\nl6\n")
				e.commitAll("src")
				e.git("mv", "src.txt", "dst.txt")
				e.agentEdit("dst.txt", "l6\n", "l6\nagent\n")
				e.commitAll("moved")
			},
			want: []map[string]fileLines{nil, {"dst.txt": {AI: "7"}}},
		},
		{
			name: "deletes",
			script: func(e *env) {
				e.write("gone.txt", "x\ny\n")
				e.commitAll("gone")
				e.agentWrite("keep.go", five)
				e.agentWrite("tmp.go", "tmp\n")
				e.agentBash("rm tmp.go gone.txt")
				e.commitAll("deletes")
			},
			want: []map[string]fileLines{nil, {"keep.go": {AI: "1-5"}}},
		},
		{
			name: "agent file deleted and rewritten by human",
			script: func(e *env) {
				e.agentWrite("x.txt", "a\nb\n")
				if err := os.Remove(e.path("x.txt")); err != nil {
					e.t.Fatal(err)
				}
				e.write("x.txt", "c\nd\n")
				e.agentWrite("y.txt", "y\n")
				e.commitAll("rewritten")
			},
			want: []map[string]fileLines{{"x.txt": {Human: "1-2"}, "y.txt": {AI: "1"}}},
		},
		{
			name: "partial staging",
			script: func(e *env) {
				e.agentWrite("p.txt", "1\n2\n3\n4\n5\n6\n")
				e.write("p.txt", e.read("p.txt")+"h7\nh8\n")
				// Stage lines 1-3 only, as `git add -p` would.
				e.run([]byte("diff --git a/p.txt b/p.txt\nnew file mode 100644\n--- /dev/null\n+++ b/p.txt\n@@ -0,0 +1,3 @@\n+1\n+2\n+3\n"), "git", "apply", "--cached", "-")
				e.commitLater("first part", 5)
				e.commitAll("second part")
			},
			want: []map[string]fileLines{{"p.txt": {AI: "1-3"}}, {"p.txt": {AI: "4-6", Human: "7-8"}}},
		},
		{
			name: "partial staging with git add -p",
			script: func(e *env) {
				e.write("q.txt", "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n")
				e.commitAll("q")
				e.agentEdit("q.txt", "b\n", "b\nAI-1\n")
				e.agentEdit("q.txt", "i\n", "i\nAI-2\n")
				e.run([]byte("y\nn\n"), "git", "add", "-p", "q.txt")
				e.commitLater("first hunk", 5)
				e.commitAll("second hunk")
			},
			want: []map[string]fileLines{nil, {"q.txt": {AI: "3"}}, {"q.txt": {AI: "11"}}},
		},
		{
			name: "two agent files and a human file",
			script: func(e *env) {
				e.agentWrite("a.go", five)
				e.agentWrite("b.go", "package p\n")
				e.write("human.txt", "mine\n")
				e.agentEdit("b.go", "package p\n", "package p\n\nvar X = 1\n")
				e.commitAll("three files")
			},
			want: []map[string]fileLines{{"a.go": {AI: "1-5"}, "b.go": {AI: "1-3"}, "human.txt": {Human: "1"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			tt.script(e)
			if len(e.commits) != len(tt.want) {
				t.Fatalf("script made %d commits, want has %d", len(e.commits), len(tt.want))
			}
			for i, c := range e.commits {
				got := e.attribution(c)
				if diff := cmp.Diff(tt.want[i], got); diff != "" {
					t.Errorf("commit %d (%s) attribution mismatch (-want +got):\n%s\nnote:\n%s", i+1, c, diff, e.noteOf(c))
				}
			}
			e.checkRepo()
		})
	}
}
