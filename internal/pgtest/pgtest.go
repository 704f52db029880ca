// Package pgtest gives tests a real, empty Postgres database.
//
// [Start] returns the DSN of a fresh database created for the calling test
// and dropped when it ends. The databases live on one server per test
// process, started on first use from the machine's own Postgres binaries:
//
//   - the binaries are found on PATH, then in TRACEVAULT_PG_BIN, then in the
//     newest /usr/lib/postgresql/*/bin (Debian) or /usr/pgsql-*/bin (RHEL);
//   - initdb writes a cluster into a new temporary directory (trust
//     authentication, no sync);
//   - postgres runs as a child of the test process, listening only on
//     127.0.0.1 at a free port, with no Unix socket and fsync, full-page
//     writes and synchronous commit off, and 512 MB of shared buffers (as a
//     production server would have; benchmarks of 1,000,000-leaf logs did
//     not fit the default 128 MB);
//   - initdb refuses to run as root, so when the test runs as root both run
//     as the "postgres" user (set through the process credentials, which is
//     what runuser does), and the directory is handed to that user.
//
// The server is a direct child rather than a pg_ctl daemon so that it cannot
// outlive the tests: it gets SIGQUIT (immediate shutdown) when the test
// process dies, even by a timeout panic. A package that calls [Main] from
// TestMain also stops it and removes its directory when the tests end;
// without Main, directories of dead test processes are removed by the next
// run. Starting takes about two seconds; each further database takes tens
// of milliseconds.
//
// Environment:
//
//   - TRACEVAULT_PG_DSN: use this existing server instead (a DSN of a role
//     that may CREATE DATABASE); each test still gets its own database.
//   - TRACEVAULT_SKIP_PG=1: skip tests that need Postgres. Without it, a
//     Postgres that cannot be started fails the test, never skips it: CI
//     must provide one, and a silently skipped backend is an untested one.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Environment variables read by the package.
const (
	EnvDSN  = "TRACEVAULT_PG_DSN"
	EnvSkip = "TRACEVAULT_SKIP_PG"
	EnvBin  = "TRACEVAULT_PG_BIN"
)

var (
	mu      sync.Mutex
	shared  *server // the process's server, once started
	started error   // why it could not be started, once tried
)

// Start returns the DSN of a new, empty database for t on the process's
// Postgres server (started on first use), and drops the database when t
// ends. It fails t if Postgres cannot be started or reached, unless
// TRACEVAULT_SKIP_PG=1, in which case it skips t.
func Start(t testing.TB) string {
	t.Helper()
	if os.Getenv(EnvSkip) == "1" {
		t.Skipf("%s=1: skipping a test that needs Postgres", EnvSkip)
	}
	admin, err := adminDSN()
	if err != nil {
		t.Fatalf("pgtest: %v (set %s=1 to skip Postgres tests explicitly)", err, EnvSkip)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dsn, name, err := createDatabase(ctx, admin)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := dropDatabase(ctx, admin, name); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	return dsn
}

// Main runs m's tests and then stops the server [Start] may have started,
// removing its directory. Use it as
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
func Main(m *testing.M) int {
	code := m.Run()
	mu.Lock()
	defer mu.Unlock()
	if shared != nil {
		if err := shared.stop(); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
		}
		shared = nil
	}
	return code
}

// ServerPID returns the process ID of the server [Start] started, or 0 if
// it uses an existing server (TRACEVAULT_PG_DSN) or has not started one.
// Benchmarks use it to account for the server's CPU time.
func ServerPID() int {
	mu.Lock()
	defer mu.Unlock()
	if shared == nil {
		return 0
	}
	return shared.cmd.Process.Pid
}

// adminDSN returns the DSN of a role that may create databases: the
// configured server's, or the process's own server's, started if needed.
func adminDSN() (string, error) {
	if dsn := os.Getenv(EnvDSN); dsn != "" {
		return dsn, nil
	}
	mu.Lock()
	defer mu.Unlock()
	if shared == nil && started == nil {
		shared, started = startServer()
	}
	if started != nil {
		return "", started
	}
	return shared.dsn, nil
}

func createDatabase(ctx context.Context, admin string) (dsn, name string, err error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", "", err
	}
	name = "tvtest_" + hex.EncodeToString(b[:])
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return "", "", fmt.Errorf("connecting to %s: %w", redact(admin), err)
	}
	defer conn.Close(ctx)
	// A database name cannot be a parameter; name is generated above.
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", "", fmt.Errorf("creating database %s: %w", name, err)
	}
	u, err := url.Parse(admin)
	if err != nil || u.Scheme == "" {
		return "", "", fmt.Errorf("%s must be a postgres:// URL", EnvDSN)
	}
	u.Path = "/" + name
	return u.String(), name, nil
}

func dropDatabase(ctx context.Context, admin, name string) error {
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return fmt.Errorf("connecting to %s: %w", redact(admin), err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("dropping database %s: %w", name, err)
	}
	return nil
}

func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparsable DSN)"
	}
	return u.Redacted()
}

// server is a Postgres server run by this process.
type server struct {
	dir  string // holds data/ and postgres.log
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
	dsn  string
}

const dirPrefix = "tracevault-pgtest-"

func startServer() (*server, error) {
	bin, err := findBinaries()
	if err != nil {
		return nil, err
	}
	cred, err := credential()
	if err != nil {
		return nil, err
	}
	removeStaleDirs()
	dir, err := os.MkdirTemp("", dirPrefix+strconv.Itoa(os.Getpid())+"-")
	if err != nil {
		return nil, fmt.Errorf("creating server directory: %w", err)
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("giving %s to the postgres user: %w", dir, err)
		}
	}
	s, err := initAndRun(bin, cred, dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

func initAndRun(bin string, cred *syscall.Credential, dir string) (*server, error) {
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres",
		"-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions")
	initdb.Dir = dir
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("%w when running initdb: %s", err, out)
	}
	var lastErr error
	for range 3 { // a free port can be taken between probing and binding
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		s, err := run(bin, cred, dir, port)
		if err == nil {
			return s, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func run(bin string, cred *syscall.Credential, dir string, port int) (*server, error) {
	logPath := filepath.Join(dir, "postgres.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("creating server log: %w", err)
	}
	defer logFile.Close()
	cmd := exec.Command(filepath.Join(bin, "postgres"), "-D", filepath.Join(dir, "data"),
		"-p", strconv.Itoa(port),
		"-c", "listen_addresses=127.0.0.1",
		"-c", "unix_socket_directories=",
		"-c", "fsync=off",
		"-c", "synchronous_commit=off",
		"-c", "full_page_writes=off",
		"-c", "max_connections=200",
		"-c", "shared_buffers=512MB",
	)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT, Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting postgres: %w", err)
	}
	s := &server{dir: dir, cmd: cmd, done: make(chan struct{}),
		dsn: fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)}
	go func() { cmd.Wait(); close(s.done) }()
	if err := s.waitReady(30 * time.Second); err != nil {
		s.kill()
		log, _ := os.ReadFile(logPath)
		return nil, fmt.Errorf("%w; server log:\n%s", err, log)
	}
	return s, nil
}

func (s *server) waitReady(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn, err := pgx.Connect(ctx, s.dsn)
		if err == nil {
			conn.Close(ctx)
			cancel()
			return nil
		}
		cancel()
		select {
		case <-s.done:
			return fmt.Errorf("postgres exited during start: %v", s.cmd.ProcessState)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres not ready after %v: %w", limit, err)
		}
	}
}

// stop shuts the server down quickly (SIGINT: fast shutdown) and removes
// its directory.
func (s *server) stop() error {
	s.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		s.kill()
	}
	return os.RemoveAll(s.dir)
}

func (s *server) kill() {
	s.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}

// credential returns the credentials to run Postgres with: nil to run as
// the current user, or the postgres user's when running as root.
func credential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root, and initdb refuses root: no postgres user to run it as: %w", err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("postgres user ids: %w", err)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// findBinaries returns the directory holding initdb and postgres.
func findBinaries() (string, error) {
	var dirs []string
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			dirs = append(dirs, filepath.Dir(real))
		}
		dirs = append(dirs, filepath.Dir(p))
	}
	if d := os.Getenv(EnvBin); d != "" {
		dirs = append(dirs, d)
	}
	for _, pattern := range []string{"/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin"} {
		found, _ := filepath.Glob(pattern)
		sort.Slice(found, func(i, j int) bool { return versionOf(found[i]) > versionOf(found[j]) })
		dirs = append(dirs, found...)
	}
	for _, d := range dirs {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	return "", fmt.Errorf("no Postgres binaries (initdb and postgres) on PATH, in %s or under /usr/lib/postgresql/*/bin", EnvBin)
}

// versionOf returns the major version in a path like
// /usr/lib/postgresql/15/bin or /usr/pgsql-15/bin.
func versionOf(dir string) int {
	base := filepath.Base(filepath.Dir(dir))
	base = strings.TrimPrefix(base, "pgsql-")
	n, _ := strconv.Atoi(base)
	return n
}

func isExec(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// removeStaleDirs removes the server directories of test processes that no
// longer exist (their servers died with them).
func removeStaleDirs() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), dirPrefix+"*"))
	for _, d := range dirs {
		rest := strings.TrimPrefix(filepath.Base(d), dirPrefix)
		pidText, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid == os.Getpid() {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			os.RemoveAll(d)
		}
	}
}
