// Package server_test runs tracevault-server and the tracevault CLI as
// built binaries, end to end: mirroring and sealing a repository with real
// captured traces, offline verification, tampering, crashes and two
// server processes on one Postgres.
package server_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tracevault/tracevault/internal/pgtest"
	"github.com/tracevault/tracevault/internal/testutil"
	"github.com/tracevault/tracevault/server/servertest"
)

var bin string // directory holding the built binaries

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tracevault-e2e-bin-")
	if err != nil {
		panic(err)
	}
	bin = dir
	code := func() int {
		defer os.RemoveAll(dir)
		for _, b := range []struct{ pkg, tags string }{
			{"./cmd/tracevault", ""}, {"./cmd/tracevault-hook", ""}, {"./cmd/tracevault-hookd", ""}, {"./cmd/tracevault-githook", ""}, {"./cmd/tracevault-server", "nomsgpack"},
		} {
			args := []string{"build", "-o", dir + "/"}
			if b.tags != "" {
				args = append(args, "-tags", b.tags)
			}
			cmd := exec.Command("go", append(args, b.pkg)...)
			cmd.Dir = "../.."
			if out, err := cmd.CombinedOutput(); err != nil {
				fmt.Fprintf(os.Stderr, "building %s: %v\n%s", b.pkg, err, out)
				return 1
			}
		}
		return pgtest.Main(m)
	}()
	os.Exit(code)
}

// env is an isolated environment for the binaries.
func env(t *testing.T) []string {
	home := t.TempDir()
	return append(testutil.GitEnv(home), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
}

// run runs a binary and returns its stdout; it fails t unless the exit
// status is want.
func run(t *testing.T, e []string, dir string, want int, name string, args ...string) string {
	t.Helper()
	out, code := runCode(t, e, dir, name, args...)
	if code != want {
		t.Fatalf("%s %s: exit %d, want %d\n%s", name, strings.Join(args, " "), code, want, out)
	}
	return out
}

func runCode(t *testing.T, e []string, dir, name string, args ...string) (string, int) {
	t.Helper()
	path := filepath.Join(bin, name)
	if name == "git-like" {
		path = "git"
	}
	cmd := exec.Command(path, args...)
	cmd.Dir, cmd.Env = dir, e
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), code
}

// proc is a running tracevault-server.
type proc struct {
	cmd  *exec.Cmd
	URL  string
	logs *bytes.Buffer
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// serverEnv is the environment of a server on dataDir (and dsn, if set).
func serverEnv(t *testing.T, dataDir, dsn string) []string {
	e := append(env(t), "TRACEVAULT_DATA_DIR="+dataDir, "TRACEVAULT_ENCRYPTION_KEY="+servertest.EncryptionKey,
		"TRACEVAULT_AUDIT_INTERVAL=-1s")
	if dsn != "" {
		e = append(e, "DATABASE_URL="+dsn)
	}
	return e
}

// startServer starts tracevault-server with e and waits until it is
// ready; it is killed when the test ends.
func startServer(t *testing.T, e []string) *proc {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(filepath.Join(bin, "tracevault-server"), "--addr", addr)
	cmd.Env = e
	logs := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, URL: "http://" + addr, logs: logs}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	start := time.Now()
	for time.Since(start) < 20*time.Second {
		resp, err := http.Get(p.URL + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				t.Logf("server ready in %v", time.Since(start).Round(time.Millisecond))
				return p
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("server not ready after 20s:\n%s", logs.String())
	return nil
}

// kill9 kills the server with SIGKILL.
func (p *proc) kill9(t *testing.T) {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	_ = p.cmd.Wait()
}

// stop stops the server with SIGTERM (graceful shutdown).
func (p *proc) stop(t *testing.T) {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("server exited with %v after SIGTERM\n%s", err, p.logs)
		}
	case <-time.After(30 * time.Second):
		t.Error("server did not stop within 30s of SIGTERM")
		p.kill9(t)
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	return ctx
}
