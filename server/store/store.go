package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// Errors callers branch on, matched with errors.Is.
var (
	// ErrNotFound means the org has no such object. An object of another
	// org is not found either.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict means a write lost a compare-and-swap or would replace
	// something that is never replaced (a writer's key, a seal leaf).
	ErrConflict = errors.New("store: conflict")
	// ErrUnauthorized means an API key is unknown, wrong or revoked.
	ErrUnauthorized = errors.New("store: unauthorized")
	// ErrInvalid means an argument is malformed (an org ID, a token).
	ErrInvalid = errors.New("store: invalid argument")
)

// Backend names a database engine.
type Backend string

// The backends [Open] supports.
const (
	Postgres Backend = "postgres"
	SQLite   Backend = "sqlite"
)

// DefaultFile is the database file name inside an SQLite data directory.
const DefaultFile = "tracevault.db"

//go:embed migrations
var migrations embed.FS

// A Store is the server's database. It is safe for concurrent use.
type Store struct {
	backend Backend
	pool    *pgxpool.Pool // Postgres
	db      *sql.DB       // SQLite
	base    querier       // pool or db, outside transactions
	now     func() time.Time
	// orgLocks are the seal append locks on SQLite.
	orgLocks orgLocks
	// writeLock serializes this process's SQLite transactions (each takes
	// the database's write lock when it begins) before they begin: waiting
	// here wakes the next one as soon as the lock is free, where SQLite's
	// busy handler sleeps and retries (up to 100 ms a try), which with a
	// few concurrent uploads cost most of the wall time.
	writeLock chan struct{}
}

// Open opens the database dsn names and brings its schema up to date.
//
//   - "postgres://…" or "postgresql://…" opens a pgx connection pool.
//   - "" opens the embedded SQLite database in [DefaultDataDir].
//   - "sqlite:PATH" or a plain PATH opens the SQLite database at PATH, or
//     PATH/tracevault.db when PATH is a directory or ends in a slash,
//     creating directories as needed.
//
// SQLite runs in WAL mode with a busy timeout, foreign keys on and
// transactions that take the write lock when they begin.
func Open(ctx context.Context, dsn string) (*Store, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return openPostgres(ctx, dsn)
	}
	path := strings.TrimPrefix(dsn, "sqlite:")
	if path == "" {
		dir, err := DefaultDataDir()
		if err != nil {
			return nil, err
		}
		path = dir + string(filepath.Separator)
	}
	return openSQLite(ctx, path)
}

// DefaultDataDir returns where the embedded database lives by default:
// $XDG_DATA_HOME/tracevault, or ~/.local/share/tracevault.
func DefaultDataDir() (string, error) {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "tracevault"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("finding the default data directory: %w", err)
	}
	return filepath.Join(home, ".local", "share", "tracevault"), nil
}

func openPostgres(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("opening postgres: %w", err)
	}
	if !strings.Contains(dsn, "pool_max_conns") {
		// pgx's default, max(4, CPUs), queues an audit's concurrent chunk
		// reads (3 queries a chunk, 3 chunks ahead) behind each other and
		// behind uploads; Postgres serves far more.
		cfg.MaxConns = max(cfg.MaxConns, 16)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("opening postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connecting to postgres: %w", err)
	}
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	// Replicas starting together take turns: goose holds an advisory lock.
	locker, err := lock.NewPostgresSessionLocker()
	if err == nil {
		err = migrate(ctx, db, goose.DialectPostgres, "migrations/postgres", goose.WithSessionLocker(locker))
	}
	if err != nil {
		pool.Close()
		return nil, err
	}
	return &Store{backend: Postgres, pool: pool, base: pgQ{pool}, now: time.Now}, nil
}

func openSQLite(ctx context.Context, path string) (*Store, error) {
	if strings.HasSuffix(path, "/") || isDir(path) {
		path = filepath.Join(path, DefaultFile)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("opening sqlite database %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("creating data directory: %w", err)
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	// Reads of a large log (audits, proofs) go through SQLite's page cache:
	// at the default 2 MB most page reads were a pread system call. 32 MiB
	// of cache per connection (at most 8) and the file mapped into memory
	// (at most 1 GiB; pages are shared with the OS page cache) remove
	// most of them.
	q.Add("_pragma", "cache_size(-32768)")
	q.Add("_pragma", "mmap_size(1073741824)")
	q.Set("_txlock", "immediate")
	u := url.URL{Scheme: "file", Path: abs, RawQuery: q.Encode()}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return nil, fmt.Errorf("opening sqlite database %s: %w", abs, err)
	}
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	if err := migrate(ctx, db, goose.DialectSQLite3, "migrations/sqlite"); err != nil {
		db.Close()
		return nil, err
	}
	return &Store{backend: SQLite, db: db, base: liteQ{db}, now: time.Now, writeLock: make(chan struct{}, 1)}, nil
}

func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

func migrate(ctx context.Context, db *sql.DB, dialect goose.Dialect, dir string, opts ...goose.ProviderOption) error {
	sub, err := fs.Sub(migrations, dir)
	if err != nil {
		return err
	}
	opts = append(opts, goose.WithDisableGlobalRegistry(true))
	p, err := goose.NewProvider(dialect, db, sub, opts...)
	if err != nil {
		return fmt.Errorf("loading %s migrations: %w", dialect, err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrating %s schema: %w", dialect, err)
	}
	return nil
}

// Backend returns the database engine the store runs on.
func (s *Store) Backend() Backend { return s.backend }

// Close closes the store's connections.
func (s *Store) Close() error {
	if s.pool != nil {
		s.pool.Close()
		return nil
	}
	return s.db.Close()
}

// SetClock replaces the clock the store stamps rows with (created_at,
// received_at, …); tests use it for fixed times.
func (s *Store) SetClock(now func() time.Time) { s.now = now }

func (s *Store) clock() time.Time { return s.now().UTC() }

// txKey is the context key of the transaction a context carries.
type txKey struct{}

type txVal struct {
	s *Store
	q querier
}

// q returns the querier for ctx: its transaction, if it carries one of
// this store's, else the pool.
func (s *Store) q(ctx context.Context) querier {
	if v, ok := ctx.Value(txKey{}).(*txVal); ok && v.s == s {
		return v.q
	}
	return s.base
}

// InTx calls fn with a context that carries a transaction: every store
// method called with that context runs in it. InTx commits if fn returns
// nil and rolls back otherwise. Called with a context that already carries
// one of s's transactions, it joins that transaction. On SQLite the
// transaction holds the database's write lock from its start.
func (s *Store) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	return s.inTx(ctx, func(ctx context.Context, _ querier) error { return fn(ctx) })
}

func (s *Store) inTx(ctx context.Context, fn func(ctx context.Context, q querier) error) (err error) {
	if v, ok := ctx.Value(txKey{}).(*txVal); ok && v.s == s {
		return fn(ctx, v.q)
	}
	tx, err := s.begin(ctx)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tx.rollback(context.WithoutCancel(ctx))
		}
	}()
	if err := fn(context.WithValue(ctx, txKey{}, &txVal{s, tx.q}), tx.q); err != nil {
		return err
	}
	if err := tx.commit(ctx); err != nil {
		return fmt.Errorf("committing transaction: %w", err)
	}
	return nil
}

// txHandle is a begun transaction.
type txHandle struct {
	q                querier
	commit, rollback func(context.Context) error
}

func (s *Store) begin(ctx context.Context) (*txHandle, error) {
	if s.pool != nil {
		tx, err := s.pool.Begin(ctx)
		if err != nil {
			return nil, fmt.Errorf("beginning transaction: %w", err)
		}
		return &txHandle{pgQ{tx}, tx.Commit, tx.Rollback}, nil
	}
	select {
	case s.writeLock <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("beginning transaction: %w", ctx.Err())
	}
	var once sync.Once
	unlock := func() { once.Do(func() { <-s.writeLock }) }
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		unlock()
		return nil, fmt.Errorf("beginning transaction: %w", err)
	}
	return &txHandle{
		q:        liteQ{tx},
		commit:   func(context.Context) error { defer unlock(); return tx.Commit() },
		rollback: func(context.Context) error { defer unlock(); return tx.Rollback() },
	}, nil
}

// Advisory lock classes (the first key of pg_advisory_xact_lock).
const (
	lockSealAppend int32 = 0x7476_0001
	lockIngest     int32 = 0x7476_0002
)

// lockOrg takes the transaction-scoped lock of class for org. On SQLite
// the transaction already excludes every other writer.
func (s *Store) lockOrg(ctx context.Context, q querier, class int32, org string) error {
	if s.backend != Postgres {
		return nil
	}
	if _, err := q.exec(ctx, "SELECT pg_advisory_xact_lock($1, hashtext($2))", class, org); err != nil {
		return fmt.Errorf("locking org %s: %w", org, err)
	}
	return nil
}
