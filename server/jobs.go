package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
)

// RiverFile is the SQLite database of the embedded mode's job queue, in
// the data directory. Keeping it apart from the store's database keeps
// River's polling off the store's write lock.
const RiverFile = "river.db"

// FetchArgs is the job that fetches one registered repository into its
// bare mirror and ingests what is new.
type FetchArgs struct {
	Org  string `json:"org" river:"unique"`
	Repo int64  `json:"repo" river:"unique"`
}

// Kind implements river.JobArgs.
func (FetchArgs) Kind() string { return "tracevault_mirror_fetch" }

// InsertOpts coalesces fetches of one repository that have not started.
func (FetchArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateScheduled, rivertype.JobStateRetryable,
		rivertype.JobStateRunning,
	}}}
}

// FetchAllArgs is the periodic job that queues a fetch of every
// registered repository.
type FetchAllArgs struct{}

// Kind implements river.JobArgs.
func (FetchAllArgs) Kind() string { return "tracevault_mirror_fetch_all" }

// AuditArgs is the job that re-verifies one org's seal log from stored
// data; an empty Org audits every org the process knows.
type AuditArgs struct {
	Org string `json:"org,omitempty"`
}

// Kind implements river.JobArgs.
func (AuditArgs) Kind() string { return "tracevault_seal_audit" }

// queue is what the server needs of a river.Client, whatever its driver.
type queue interface {
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
}

type jobs struct {
	q       queue
	close_  func()
	started bool
}

func (j *jobs) start(ctx context.Context) error {
	if err := j.q.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("starting job queue: %w", err)
	}
	j.started = true
	return nil
}

func (j *jobs) stop(ctx context.Context) error {
	if !j.started {
		return nil
	}
	j.started = false
	return j.q.Stop(ctx)
}

func (j *jobs) close(ctx context.Context) error {
	err := j.stop(ctx)
	j.close_()
	return err
}

// openJobs opens River on the server's database (Postgres) or on
// data-dir/river.db (embedded), migrating River's tables.
func openJobs(ctx context.Context, s *Server) (*jobs, error) {
	workers := river.NewWorkers()
	river.AddWorker(workers, &fetchWorker{s: s})
	river.AddWorker(workers, &fetchAllWorker{s: s})
	river.AddWorker(workers, &auditWorker{s: s})
	cfg := &river.Config{
		Logger:                      s.logger.With("component", "river"),
		Queues:                      map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: max(1, s.cfg.JobWorkers)}},
		Workers:                     workers,
		FetchPollInterval:           200 * time.Millisecond,
		JobTimeout:                  30 * time.Minute,
		CompletedJobRetentionPeriod: 24 * time.Hour,
	}
	if s.cfg.MirrorInterval > 0 {
		cfg.PeriodicJobs = append(cfg.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(s.cfg.MirrorInterval),
			func() (river.JobArgs, *river.InsertOpts) { return FetchAllArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true}))
	}
	if s.cfg.AuditInterval > 0 {
		cfg.PeriodicJobs = append(cfg.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(s.cfg.AuditInterval),
			func() (river.JobArgs, *river.InsertOpts) { return AuditArgs{}, nil }, nil))
	}
	if !s.cfg.embedded() {
		pool, err := pgxpool.New(ctx, s.cfg.DatabaseURL)
		if err != nil {
			return nil, fmt.Errorf("opening job queue database: %w", err)
		}
		drv := riverpgxv5.New(pool)
		if err := migrateRiverPG(ctx, pool, drv); err != nil {
			pool.Close()
			return nil, err
		}
		c, err := river.NewClient(drv, cfg)
		if err != nil {
			pool.Close()
			return nil, fmt.Errorf("creating job queue: %w", err)
		}
		return &jobs{q: c, close_: pool.Close}, nil
	}
	db, err := openRiverSQLite(s.cfg.DataDir)
	if err != nil {
		return nil, err
	}
	drv := riversqlite.New(db)
	m, err := rivermigrate.New(drv, nil)
	if err == nil {
		_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("migrating job queue: %w", err)
	}
	c, err := river.NewClient(drv, cfg)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("creating job queue: %w", err)
	}
	return &jobs{q: c, close_: func() { db.Close() }}, nil
}

func openRiverSQLite(dataDir string) (*sql.DB, error) {
	abs, err := filepath.Abs(filepath.Join(dataDir, RiverFile))
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Set("_txlock", "immediate")
	u := url.URL{Scheme: "file", Path: abs, RawQuery: q.Encode()}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return nil, fmt.Errorf("opening job queue database %s: %w", abs, err)
	}
	db.SetMaxOpenConns(1) // riversqlite's advice: SQLite takes one writer
	return db, nil
}

// riverMigrationLock serializes River migrations of replicas starting
// together (pg_advisory_lock key).
const riverMigrationLock = 0x7476_0100

func migrateRiverPG(ctx context.Context, pool *pgxpool.Pool, drv *riverpgxv5.Driver) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("migrating job queue: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", riverMigrationLock); err != nil {
		return fmt.Errorf("locking job queue migration: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", riverMigrationLock) //nolint:errcheck
	m, err := rivermigrate.New(drv, nil)
	if err == nil {
		_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	}
	if err != nil {
		return fmt.Errorf("migrating job queue: %w", err)
	}
	return nil
}

// enqueueFetch queues a fetch of org's repository repo.
func (s *Server) enqueueFetch(ctx context.Context, org string, repo int64) (int64, error) {
	res, err := s.jobs.q.Insert(ctx, FetchArgs{Org: org, Repo: repo}, nil)
	if err != nil {
		return 0, fmt.Errorf("queueing fetch of repository %d: %w", repo, err)
	}
	return res.Job.ID, nil
}

type fetchWorker struct {
	river.WorkerDefaults[FetchArgs]
	s *Server
}

func (w *fetchWorker) Work(ctx context.Context, job *river.Job[FetchArgs]) error {
	_, err := w.s.FetchRepo(ctx, job.Args.Org, job.Args.Repo)
	return err
}

type fetchAllWorker struct {
	river.WorkerDefaults[FetchAllArgs]
	s *Server
}

func (w *fetchAllWorker) Work(ctx context.Context, _ *river.Job[FetchAllArgs]) error {
	var errs []error
	for _, org := range w.s.orgs.list() {
		repos, err := w.s.st.Repos(ctx, org)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, r := range repos {
			if _, err := w.s.enqueueFetch(ctx, org, r.ID); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

type auditWorker struct {
	river.WorkerDefaults[AuditArgs]
	s *Server
}

func (w *auditWorker) Work(ctx context.Context, job *river.Job[AuditArgs]) error {
	orgs := []string{job.Args.Org}
	if job.Args.Org == "" {
		orgs = w.s.orgs.list()
	}
	var errs []error
	for _, org := range orgs {
		if _, err := w.s.Audit(ctx, org); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
