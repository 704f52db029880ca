package seal_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDeps enforces the package's import rule (STYLE 13.2): seal and
// seal/sealtest depend, transitively, on the standard library and
// golang.org/x/mod/sumdb only, and on no database, HTTP or subprocess code.
func TestDeps(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}",
		"github.com/tracevault/tracevault/seal", "github.com/tracevault/tracevault/seal/sealtest").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	for _, p := range strings.Fields(string(out)) {
		switch {
		case p == "database/sql" || p == "net/http" || p == "os/exec":
			t.Errorf("seal depends on %s", p)
		case !strings.Contains(strings.Split(p, "/")[0], "."): // standard library
		case p == "github.com/tracevault/tracevault/seal", p == "github.com/tracevault/tracevault/seal/sealtest",
			strings.HasPrefix(p, "golang.org/x/mod/sumdb/"), strings.HasPrefix(p, "golang.org/x/mod/internal/"):
		default:
			t.Errorf("seal depends on %s", p)
		}
	}
}
