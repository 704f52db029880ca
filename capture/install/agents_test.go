package install

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tracevault/tracevault/internal/testutil"
)

// agentCases are the agents with the settings each test starts from.
var agentCases = []struct {
	name    string
	agent   Agent
	file    string // relative to the repository
	fixture string // under shared/fixtures; "" means a small synthetic file
	start   string
}{
	{name: "claude fixture", agent: ClaudeCode, file: ".claude/settings.json",
		fixture: "claude-code/settings/entireio-cli/.claude/settings.json"},
	{name: "gemini fixture", agent: GeminiCLI, file: ".gemini/settings.json",
		fixture: "gemini-cli/settings/entireio-cli/.gemini/settings.json"},
	{name: "codex existing", agent: Codex, file: ".codex/hooks.json",
		start: "{\n  \"zeta\": 1,\n  \"hooks\": {\n    \"Stop\": [\n      {\n        \"hooks\": [\n          {\n            \"type\": \"command\",\n            \"command\": \"notify-send done\",\n            \"timeout\": 5\n          }\n        ]\n      }\n    ]\n  },\n  \"alpha\": \"<&>\"\n}\n"},
	{name: "claude absent", agent: ClaudeCode, file: ".claude/settings.json"},
	{name: "codex absent", agent: Codex, file: ".codex/hooks.json"},
}

func TestInstallMergesAndUninstallRestores(t *testing.T) {
	for _, tc := range agentCases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			path := filepath.Join(e.repo, filepath.FromSlash(tc.file))
			start := tc.start
			if tc.fixture != "" {
				start = readTestFile(t, testutil.Fixture(t, tc.fixture))
			}
			if start != "" {
				writeTestFile(t, path, start, 0o640)
			}
			pristine := treeHash(t, e.repo)
			o := e.opts(tc.agent)
			o.SkipGitConfig = true // config restore is by value; checked separately

			e.install(o)
			merged := readTestFile(t, path)
			root, err := decodeObject(path, []byte(merged))
			if err != nil {
				t.Fatal(err)
			}
			checkOurHandlers(t, root, specs[tc.agent], o.HookCommand)

			// Taking our handlers out again must give back the user's
			// document exactly: every key, value and key order kept.
			if _, err := specs[tc.agent].removeHandlers(root); err != nil {
				t.Fatal(err)
			}
			want := &object{}
			if start != "" {
				if want, err = decodeObject("start", []byte(start)); err != nil {
					t.Fatal(err)
				}
			}
			if got, w := string(encodeJSON(root)), string(encodeJSON(want)); got != w {
				t.Errorf("merged settings minus our handlers =\n%s\nwant\n%s", got, w)
			}
			if fi, _ := os.Stat(path); start != "" && fi.Mode().Perm() != 0o640 {
				t.Errorf("mode after install = %v, want 0640", fi.Mode().Perm())
			}

			rep := e.install(o)
			if again := readTestFile(t, path); again != merged {
				t.Errorf("second Install changed %s:\n%s", tc.file, again)
			}
			if len(rep.Changes) != 0 {
				t.Errorf("second Install reported changes %v", rep.Changes)
			}

			e.uninstall(o)
			diffTrees(t, pristine, treeHash(t, e.repo))
		})
	}
}

// checkOurHandlers asserts exactly one TraceVault handler per event, with
// the agent's conventions.
func checkOurHandlers(t *testing.T, root *object, s agentSpec, hookCommand string) {
	t.Helper()
	hooks, err := hooksObject(root, false)
	if err != nil || hooks == nil {
		t.Fatalf("no hooks object: %v", err)
	}
	for _, ev := range s.events {
		v, _ := hooks.get(ev)
		groups, _ := v.([]any)
		n := 0
		for _, g := range groups {
			gobj := g.(*object)
			hv, _ := gobj.get("hooks")
			for _, h := range hv.([]any) {
				if !isOurs(h, s.agent) {
					continue
				}
				n++
				ho := h.(*object)
				if c, _ := ho.get("command"); c != hookCommand+" --agent "+string(s.agent) {
					t.Errorf("%s: command = %v", ev, c)
				}
				wantTimeout := "30"
				if s.millis {
					wantTimeout = "30000"
				}
				if to, _ := ho.get("timeout"); strings.TrimSpace(string(encodeJSON(to))) != wantTimeout {
					t.Errorf("%s: timeout = %v, want %s", ev, to, wantTimeout)
				}
				if _, named := ho.get("name"); named != s.named {
					t.Errorf("%s: has name = %v, want %v", ev, named, s.named)
				}
				m, hasMatcher := gobj.get("matcher")
				if s.toolEvents[ev] && (!hasMatcher || m != s.toolMatcher) {
					t.Errorf("%s: matcher = %v, want %q", ev, m, s.toolMatcher)
				}
			}
		}
		if n != 1 {
			t.Errorf("%s: %d TraceVault handlers, want 1", ev, n)
		}
	}
}

func TestInstallReplacesOldHookPath(t *testing.T) {
	e := newEnv(t)
	o := e.opts(ClaudeCode, GeminiCLI, Codex)
	o.SkipGitConfig, o.SkipGitHooks = true, true
	o.HookCommand = "/old/place/tracevault hook"
	e.install(o)
	o.HookCommand = "/new/place/tracevault-hook"
	e.install(o)
	for _, a := range []Agent{ClaudeCode, GeminiCLI, Codex} {
		path := e.opts().agentPathFor(t, a)
		got := readTestFile(t, path)
		if strings.Contains(got, "/old/place") {
			t.Errorf("%s still names the old path:\n%s", a, got)
		}
		root, err := decodeObject(path, []byte(got))
		if err != nil {
			t.Fatal(err)
		}
		checkOurHandlers(t, root, specs[a], o.HookCommand)
	}
}

func (o Options) agentPathFor(t *testing.T, a Agent) string {
	r := &repo{top: o.RepoDir}
	return r.agentPath(a, o.CodexUserConfig, o.Getenv)
}

func TestUninstallKeepsUserEditsMadeAfterInstall(t *testing.T) {
	e := newEnv(t)
	path := filepath.Join(e.repo, ".claude", "settings.json")
	orig := readTestFile(t, testutil.Fixture(t, "claude-code/settings/entireio-cli/.claude/settings.json"))
	writeTestFile(t, path, orig, 0o644)
	o := e.opts(ClaudeCode)
	o.SkipGitConfig, o.SkipGitHooks = true, true
	e.install(o)

	// The user adds a setting and a handler of their own.
	root, err := decodeObject(path, []byte(readTestFile(t, path)))
	if err != nil {
		t.Fatal(err)
	}
	root.set("model", "opus")
	hooks, _ := hooksObject(root, false)
	stop, _ := hooks.get("Stop")
	mine := &object{}
	mine.set("type", "command")
	mine.set("command", "say done")
	hooks.set("Stop", append(stop.([]any), specs[ClaudeCode].group(mine, "Stop")))
	writeTestFile(t, path, string(encodeJSON(root)), 0o644)

	// A second init must keep the first original and notice the edit.
	e.install(o)
	r, _ := openRepo(t.Context(), e.repo, o.GitEnv)
	m, _, err := r.loadManifest()
	if err != nil || m == nil {
		t.Fatalf("loadManifest: %v", err)
	}
	if rec := m.file(".claude/settings.json"); rec == nil || string(rec.Original) != orig || !rec.Edited {
		t.Fatalf("manifest record = %+v, want the first original and edited", rec)
	}

	e.uninstall(o)
	got, err := decodeObject(path, []byte(readTestFile(t, path)))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := decodeObject("want", []byte(orig))
	want.set("model", "opus")
	wh, _ := hooksObject(want, false)
	ws, _ := wh.get("Stop")
	wh.set("Stop", append(ws.([]any), specs[ClaudeCode].group(mine, "Stop")))
	if g, w := string(encodeJSON(got)), string(encodeJSON(want)); g != w {
		t.Errorf("after uninstall =\n%s\nwant\n%s", g, w)
	}
	if _, err := os.Stat(r.manifestPath()); !os.IsNotExist(err) {
		t.Errorf("manifest still there after uninstall: %v", err)
	}
}

func TestCodexUserConfig(t *testing.T) {
	e := newEnv(t)
	codexHome := t.TempDir()
	o := e.opts(Codex)
	o.SkipGitConfig, o.SkipGitHooks, o.CodexUserConfig = true, true, true
	o.Getenv = func(k string) string {
		if k == "CODEX_HOME" {
			return codexHome
		}
		return ""
	}
	before := treeHash(t, codexHome)
	e.install(o)
	got := readTestFile(t, filepath.Join(codexHome, "hooks.json"))
	if !strings.Contains(got, `"matcher": "*"`) || !strings.Contains(got, "--agent codex") {
		t.Errorf("hooks.json =\n%s", got)
	}
	e.uninstall(o)
	diffTrees(t, before, treeHash(t, codexHome))
}

func TestDetect(t *testing.T) {
	repo := t.TempDir()
	home := t.TempDir()
	bin := t.TempDir()
	getenv := func(k string) string {
		return map[string]string{"HOME": home, "PATH": bin}[k]
	}
	if got := Detect(repo, getenv); len(got) != 0 {
		t.Errorf("Detect(empty) = %v, want none", got)
	}
	if got := DefaultAgents(repo, getenv); len(got) != 1 || got[0] != ClaudeCode {
		t.Errorf("DefaultAgents(empty) = %v, want [claude-code]", got)
	}
	os.Mkdir(filepath.Join(repo, ".gemini"), 0o755)
	writeTestFile(t, filepath.Join(bin, "codex"), "#!/bin/sh\n", 0o755)
	if got := Detect(repo, getenv); len(got) != 2 || got[0] != Codex || got[1] != GeminiCLI {
		t.Errorf("Detect = %v, want [codex gemini-cli]", got)
	}
	os.Mkdir(filepath.Join(home, ".claude"), 0o755)
	if got := Detect(repo, getenv); len(got) != 3 {
		t.Errorf("Detect = %v, want all three", got)
	}
}
