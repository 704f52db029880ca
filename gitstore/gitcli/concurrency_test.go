package gitcli_test

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"

	"github.com/tracevault/tracevault/gitstore"
	"github.com/tracevault/tracevault/gitstore/gitcli"
	"github.com/tracevault/tracevault/gitstore/storetest"
	"github.com/tracevault/tracevault/internal/testutil"
)

const (
	helperEnv = "TRACEVAULT_GITCLI_APPEND" // "<repo>|<writer id>"
	casRef    = "refs/tracevault/log/shared"
	perWriter = 50
)

// TestMain doubles as the child process of TestCASAcrossProcesses.
func TestMain(m *testing.M) {
	if v := os.Getenv(helperEnv); v != "" {
		os.Exit(appendChild(v))
	}
	os.Exit(m.Run())
}

func appendChild(v string) int {
	var repo, id string
	for i := len(v) - 1; i >= 0; i-- {
		if v[i] == '|' {
			repo, id = v[:i], v[i+1:]
			break
		}
	}
	s, err := gitcli.Open(ctx, repo, gitcli.WithEnv(testEnv()))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer s.Close()
	conflicts := 0
	for i := range perWriter {
		n, err := storetest.AppendWithRetry(ctx, s, casRef, fmt.Sprintf("p%s-%d\n", id, i))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		conflicts += n
	}
	fmt.Println(conflicts)
	return 0
}

func checkChain(t *testing.T, s gitstore.Store, want int) {
	t.Helper()
	msgs, n, err := storetest.CountChain(ctx, s, casRef)
	if err != nil {
		t.Fatal(err)
	}
	if n != want || len(msgs) != want {
		t.Errorf("chain has %d commits (%d distinct messages), want %d: %d updates lost", n, len(msgs), want, want-len(msgs))
	}
}

func TestCASAcrossGoroutines(t *testing.T) {
	s := open(t, testutil.NewRepo(t))
	const writers = 8
	perWriter := perWriter
	if testing.Short() {
		perWriter = 10 // 8 writers thrash 2 cores: ~20 s at 50 each
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	conflicts := 0
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWriter {
				n, err := storetest.AppendWithRetry(ctx, s, casRef, fmt.Sprintf("g%d-%d\n", w, i))
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				conflicts += n
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	checkChain(t, s, writers*perWriter)
	t.Logf("%d writers x %d appends: %d CAS conflicts retried", writers, perWriter, conflicts)
}

func TestCASAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	repo := testutil.NewRepo(t)
	const procs = 4
	var wg sync.WaitGroup
	outs := make([][]byte, procs)
	for p := range procs {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), helperEnv+"="+repo+"|"+strconv.Itoa(p))
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Errorf("writer process %d: %v: %s", p, err, out)
			}
			outs[p] = out
		}()
	}
	wg.Wait()
	checkChain(t, open(t, repo), procs*perWriter)
	t.Logf("%d processes x %d appends; CAS conflicts retried per process: %q", procs, perWriter, outs)
}
