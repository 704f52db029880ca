package gitcli_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/tracevault/tracevault/gitstore"
	"github.com/tracevault/tracevault/gitstore/gitcli"
	"github.com/tracevault/tracevault/gitstore/storetest"
	"github.com/tracevault/tracevault/internal/testutil"
)

// open returns a Store for a new repository, closed at cleanup.
func open(t testing.TB, dir string) *gitcli.Store {
	t.Helper()
	s, err := gitcli.Open(context.Background(), dir, gitcli.WithEnv(testEnv()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func testEnv() []string {
	home := filepath.Join(os.TempDir(), "tracevault-test-home")
	_ = os.MkdirAll(home, 0o755)
	return testutil.GitEnv(home)
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) gitstore.Store { return open(t, testutil.NewRepo(t)) })
}
