package storage

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestHookOrder pins down, with the real git, in which order git runs
// post-commit, the notes.rewriteRef copy and post-rewrite, by logging from
// inside the installed hooks how many summary lines HEAD's note has: after
// TraceVault's post-commit work, and before its post-rewrite work.
//
// Facts (git 2.39):
//   - amend: post-commit (new commit), then git copies the old note onto the
//     new commit, merging it with cat_sort_uniq (two summaries, two record
//     lines), then post-rewrite "amend". So post-rewrite must rewrite the
//     note of every new commit it is given.
//   - rebase: post-commit for every commit the sequencer makes (picks,
//     squashes; not fast-forwarded picks); a squash run with an editor
//     (a "git commit --amend" child) also runs post-commit and post-rewrite
//     "amend" for that step, with its own copy; at the end git copies all
//     notes with cat_sort_uniq (two or three record lines on one commit;
//     identical summary lines collapse into one), then runs post-rewrite
//     "rebase" once with all pairs.
//   - cherry-pick and merge --squash: post-commit only; no copy, no
//     post-rewrite.
func TestHookOrder(t *testing.T) {
	t.Parallel()
	const logger = `n=$(git notes --ref=tracevault show HEAD 2>/dev/null); ` +
		`echo "$H${1:+ $1} summaries=$(echo "$n" | grep -c '^TraceVault:') records=$(echo "$n" | grep -c '^tv1 record')" >> .git/order.log` + "\n"
	setup := func(e *env) {
		for _, h := range []string{"post-commit", "post-rewrite"} {
			p := e.path(".git/hooks/" + h)
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			body := string(b)
			line := strings.Replace(logger, "$H", h, 1)
			if h == "post-commit" {
				body += line // after TraceVault's work
			} else {
				body = strings.Replace(body, "\n", "\n"+line, 1) // before it
			}
			if err := os.WriteFile(p, []byte(body), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	log := func(e *env) []string {
		b, _ := os.ReadFile(e.path(".git/order.log"))
		_ = os.Remove(e.path(".git/order.log"))
		return strings.Split(strings.TrimSpace(string(b)), "\n")
	}
	tests := []struct {
		name string
		run  func(e *env)
		want []string
	}{
		{"amend", func(e *env) {
			e.write("a.go", "// top\n"+e.read("a.go"))
			e.git("commit", "-q", "-a", "--amend", "--no-edit")
		}, []string{"post-commit summaries=1 records=1", "post-rewrite amend summaries=2 records=2"}},
		{"rebase", func(e *env) {
			e.git("checkout", "-q", "-b", "side", "HEAD~1")
			e.write("other.txt", "o\n")
			e.commitAll("side")
			e.git("checkout", "-q", "feature")
			log(e)
			e.git("rebase", "-q", "side")
		}, []string{"post-commit summaries=1 records=1", "post-rewrite rebase summaries=1 records=2"}},
		{"rebase squash", func(e *env) {
			e.agentWrite("b.go", "package p\n")
			e.commitAll("F2")
			log(e)
			e.gitEnv(seq("2s/^pick/squash/"), "rebase", "-q", "-i", "HEAD~2")
		}, []string{"post-commit summaries=1 records=1", "post-rewrite amend summaries=2 records=2", "post-rewrite rebase summaries=3 records=3"}},
		{"cherry-pick", func(e *env) {
			e.git("checkout", "-q", "main")
			e.git("cherry-pick", "feature")
		}, []string{"post-commit summaries=1 records=1"}},
		{"merge --squash", func(e *env) {
			e.git("checkout", "-q", "main")
			e.git("merge", "-q", "--squash", "feature")
			e.gitEnv([]string{"GIT_EDITOR=true"}, "commit", "-q", "--no-edit")
		}, []string{"post-commit summaries=1 records=1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			setup(e)
			e.git("checkout", "-q", "-b", "feature")
			e.agentWrite("a.go", five)
			e.commitAll("F1")
			log(e)
			tt.run(e)
			if diff := cmp.Diff(tt.want, log(e)); diff != "" {
				t.Errorf("hook order (-want +got):\n%s", diff)
			}
			// Whatever git copied, the final note is sound.
			e.attribution(e.head())
			e.checkRepo()
		})
	}
}
