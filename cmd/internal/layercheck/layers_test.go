// Package layercheck holds the test that enforces the package layering of
// docs/architecture.md transitively, with `go list -deps`.
package layercheck

import (
	"bufio"
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

const mod = "github.com/tracevault/tracevault/"

// rule bans dependencies of the packages matching pkg (a prefix, or an
// exact name when it ends in "$").
type rule struct {
	pkg    string
	banned []string // dependency prefixes
	reason string
}

var heavy = []string{"github.com/spf13/cobra", "github.com/charmbracelet/", "github.com/go-git/", "github.com/sigstore/",
	"github.com/smacker/", "github.com/gin-gonic/", "github.com/jackc/", "modernc.org/", "github.com/riverqueue/"}

var rules = []rule{
	{mod + "cmd/tracevault-hook$", append([]string{"crypto/", "regexp", "encoding/json", "hash/", "net/", "fmt", "os/exec", mod + "policy", mod + "capture/spool",
		mod + "capture/worktree", mod + "capture/hookrun", mod + "capture/redact", "github.com/goccy/"}, heavy...), "agents wait for the hook client before every tool call: it links what a hello-world program does, nearly"},
	{mod + "cmd/tracevault-hookd$", append(heavy, "net/http", "github.com/goccy/"), "the hook's full binary runs when no hook server answers: it must stay lean"},
	// git commit waits for tracevault-githook (post-commit): no crypto,
	// regexp, JSON or policy, nothing with a costly package init.
	{mod + "cmd/tracevault-githook$", append([]string{"crypto/", "regexp", "encoding/json", "hash/", "net/", mod + "policy", mod + "capture/spool",
		mod + "capture/worktree", mod + "capture/hookrun", mod + "gitstore", "github.com/goccy/"}, heavy...), "git commit waits for the post-commit hook: it links what a hello-world program does, nearly"},
	{mod + "capture/gitrepo$", append([]string{mod + "capture/spool", mod + "capture/worktree", "os/exec", "crypto/", "regexp", "encoding/json", "github.com/goccy/"}, heavy...), "repository discovery is linked by tracevault-githook"},
	{mod + "capture/commitqueue$", append([]string{mod + "capture/gitrepo", mod + "capture/spool", "os/exec", "crypto/", "regexp", "encoding/json", "github.com/goccy/"}, heavy...), "the queue writer is linked by tracevault-githook and capture/spool"},
	{mod + "capture$", []string{mod, "github.com/", "golang.org/", "gopkg.in/"}, "the model imports nothing but the standard library"},
	{mod + "gitstore$", []string{mod, "github.com/", "gopkg.in/"}, "the git storage interface is standard library only"},
	{mod + "capture/hook/", append([]string{mod + "capture/spool", mod + "gitstore", mod + "policy", "os/exec", "net/http"}, heavy...), "agent parsers only parse"},
	{mod + "capture/redact", append([]string{mod + "gitstore", "os/exec", "net/http"}, heavy...), "redaction is pure"},
	{mod + "capture/spool", append([]string{mod + "gitstore", "os/exec", "net/http"}, heavy...), "the spool is written by the hook"},
	{mod + "capture/worktree", append([]string{mod + "gitstore", "os/exec", "net/http"}, heavy...), "work-tree scans run in the hook: no git process"},
	{mod + "capture/fswatch", append([]string{mod + "gitstore", mod + "capture/spool", "os/exec", "net", "encoding/json", "regexp"}, heavy...), "the hook asks the watcher before every shell tool call: plain system calls"},
	// hookrun may use os/exec only to start the detached post-commit worker;
	// it never runs git.
	{mod + "capture/hookrun", append([]string{mod + "gitstore", mod + "capture/record", mod + "capture/linker", mod + "cmd/", "net/http"}, heavy...), "the hook body stays lean"},
	{mod + "policy", []string{mod + "gitstore", mod + "server", mod + "cmd/", "os/exec", "net/http", "database/sql"}, "the policy engine is pure: callers do the I/O"},
	// The hook links the policy core; YAML is policy/policyfile's.
	{mod + "policy$", []string{"github.com/goccy/"}, "the policy core links no YAML parser: the agent hook compiles only cached JSON"},
	{mod + "policy/internal/ptree$", []string{"github.com/goccy/"}, "the parsed-tree package is shared with the YAML-free core"},
	{mod + "capture/hookrun", []string{"github.com/goccy/", mod + "policy/policyfile"}, "the hook hands YAML policies to the full binary"},
	{mod + "seal", []string{mod + "gitstore", mod + "capture", mod + "server", "database/sql", "github.com/jackc/", "os/exec"}, "the log is storage-agnostic"},
	{mod + "capture/", []string{mod + "cmd/", mod + "server"}, "lower layers never import commands or the server"},
	{mod + "gitstore/", []string{mod + "cmd/", mod + "server", mod + "capture"}, "git access knows nothing of traces"},
	{mod + "web$", []string{mod, "github.com/"}, "web imports nothing from the project"},
	{mod + "server/api$", []string{mod, "github.com/"}, "wire types are standard library only"},
	{mod + "server/client$", []string{mod + "server/store", mod + "gitstore", "github.com/gin-gonic/", "github.com/jackc/"}, "the client knows only the wire types"},
}

func TestLayers(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps=false", "-f", "{{.ImportPath}} {{join .Deps \" \"}}", "github.com/tracevault/tracevault/...")
	cmd.Dir = "../../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	checked := 0
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		pkg, deps := f[0], f[1:]
		for _, r := range rules {
			if !matches(pkg, r.pkg) {
				continue
			}
			checked++
			for _, d := range deps {
				for _, b := range r.banned {
					if strings.HasPrefix(d, b) && d != pkg && !strings.HasPrefix(d, pkg+"/") && !(b == mod && strings.HasPrefix(d, "golang.org/")) {
						if strings.HasPrefix(b, mod) && strings.HasPrefix(d, mod+"internal/") {
							continue
						}
						t.Errorf("%s depends on %s: %s", pkg, d, r.reason)
					}
				}
			}
		}
	}
	if checked < 10 {
		t.Fatalf("only %d package/rule pairs checked: the rules no longer match the tree", checked)
	}
}

func matches(pkg, pattern string) bool {
	if exact, ok := strings.CutSuffix(pattern, "$"); ok {
		return pkg == exact
	}
	return strings.HasPrefix(pkg, pattern)
}
