package install

import (
	"strings"
	"testing"
)

func TestGitConfig(t *testing.T) {
	e := newEnv(t)
	remote := t.TempDir()
	e.mustGit("init", "-q", "--bare", remote)
	e.mustGit("remote", "add", "origin", remote)
	e.mustGit("remote", "add", "fork", remote)
	e.mustGit("config", "notes.rewriteMode", "overwrite")
	e.mustGit("config", "notes.rewriteRef", "refs/notes/commits")
	e.mustGit("config", "--add", "remote.origin.fetch", "+"+NotesRef+":"+trackingNotes+"origin")
	before := e.mustGit("config", "--local", "--list")

	o := e.opts()
	o.SkipAgents, o.SkipGitHooks = true, true
	e.install(o)
	e.install(o)

	want := map[string]string{
		"notes.rewriteref":     "refs/notes/commits\nrefs/notes/tracevault",
		"notes.rewritemode":    "cat_sort_uniq",
		"notes.rewrite.amend":  "true",
		"notes.rewrite.rebase": "true",
		"remote.origin.fetch": "+refs/heads/*:refs/remotes/origin/*\n" +
			"+refs/notes/tracevault:refs/notes/tracevault-remote/origin\n" +
			"+refs/tracevault/*:refs/tracevault-remote/origin/*",
		"remote.fork.fetch": "+refs/heads/*:refs/remotes/fork/*",
	}
	for k, v := range want {
		if got := e.mustGit("config", "--get-all", k); got != v {
			t.Errorf("git config %s = %q, want %q", k, got, v)
		}
	}
	if out, _ := e.git("config", "--get-regexp", `^remote\..*\.push$`); out != "" {
		t.Errorf("remote.*.push was set: %s", out)
	}
	if out, _ := e.git("config", "--get-regexp", `^remote\..*\.push`); strings.Contains(out, "tracevault") {
		t.Errorf("push refspec configured: %s", out)
	}

	e.uninstall(o)
	if after := e.mustGit("config", "--local", "--list"); after != before {
		t.Errorf("config after uninstall:\n%s\nwant\n%s", after, before)
	}
}

func TestConfigureGitWithoutOrigin(t *testing.T) {
	e := newEnv(t)
	rep, err := ConfigureGit(t.Context(), e.opts())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rep.String(), "no remote named origin") {
		t.Errorf("report = %s", rep)
	}
	if got := e.mustGit("config", "notes.rewriteMode"); got != "cat_sort_uniq" {
		t.Errorf("notes.rewriteMode = %q", got)
	}
}
