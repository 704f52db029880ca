package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// querier is the little of a database the store's methods use, implemented
// over pgx (a pool or a transaction) and over database/sql for SQLite. SQL
// text is shared: both backends take $1-style parameters, ON CONFLICT and
// RETURNING. Times are passed as time.Time (or nil for none) and scanned
// with [scanTime]; the SQLite side stores them as Unix microseconds.
type querier interface {
	exec(ctx context.Context, query string, args ...any) (int64, error)
	query(ctx context.Context, query string, args ...any) (rowsIter, error)
	queryRow(ctx context.Context, query string, args ...any) rowScanner
	// copyRows inserts rows into table in one round trip where the backend
	// allows it (COPY on Postgres). It must run inside a transaction.
	copyRows(ctx context.Context, table string, cols []string, rows [][]any) error
}

type rowsIter interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

type rowScanner interface{ Scan(dest ...any) error }

// errNoRows is what every querier's queryRow Scan returns for no row.
var errNoRows = errors.New("no rows")

// pgx side.

type pgxQuerier interface {
	Exec(ctx context.Context, sql string, arguments ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	CopyFrom(ctx context.Context, tableName pgx.Identifier, columnNames []string, rowSrc pgx.CopyFromSource) (int64, error)
}

type pgQ struct{ q pgxQuerier }

func (p pgQ) exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := p.q.Exec(ctx, query, args...)
	return tag.RowsAffected(), err
}

func (p pgQ) query(ctx context.Context, query string, args ...any) (rowsIter, error) {
	rows, err := p.q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return rows, nil
}

func (p pgQ) queryRow(ctx context.Context, query string, args ...any) rowScanner {
	return pgRow{p.q.QueryRow(ctx, query, args...)}
}

func (p pgQ) copyRows(ctx context.Context, table string, cols []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	_, err := p.q.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
	if err != nil {
		return fmt.Errorf("copying %d rows into %s: %w", len(rows), table, err)
	}
	return nil
}

type pgRow struct{ r pgx.Row }

func (r pgRow) Scan(dest ...any) error {
	err := r.r.Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return errNoRows
	}
	return err
}

// database/sql (SQLite) side.

type sqlQuerier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

type liteQ struct{ q sqlQuerier }

// liteArgs converts times to Unix microseconds, the SQLite schema's time
// representation.
func liteArgs(args []any) []any {
	var out []any
	for i, a := range args {
		if t, ok := a.(time.Time); ok {
			if out == nil {
				out = append([]any(nil), args...)
			}
			out[i] = t.UnixMicro()
		}
	}
	if out == nil {
		return args
	}
	return out
}

func (l liteQ) exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := l.q.ExecContext(ctx, query, liteArgs(args)...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (l liteQ) query(ctx context.Context, query string, args ...any) (rowsIter, error) {
	rows, err := l.q.QueryContext(ctx, query, liteArgs(args)...)
	if err != nil {
		return nil, err
	}
	return liteRows{rows}, nil
}

func (l liteQ) queryRow(ctx context.Context, query string, args ...any) rowScanner {
	return liteRow{l.q.QueryRowContext(ctx, query, liteArgs(args)...)}
}

func (l liteQ) copyRows(ctx context.Context, table string, cols []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	// Multi-row INSERTs of up to 100 rows (and well under SQLite's limit of
	// 32766 parameters), one prepared statement for the full chunks.
	per := min(100, 30000/len(cols))
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	for len(rows) > 0 {
		n := min(per, len(rows))
		args := make([]any, 0, n*len(cols))
		for _, r := range rows[:n] {
			args = append(args, liteArgs(r)...)
		}
		var err error
		if n == per {
			if full == nil {
				if full, err = l.q.PrepareContext(ctx, insertSQL(table, cols, n)); err != nil {
					return fmt.Errorf("preparing insert into %s: %w", table, err)
				}
			}
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = l.q.ExecContext(ctx, insertSQL(table, cols, n), args...)
		}
		if err != nil {
			return fmt.Errorf("inserting into %s: %w", table, err)
		}
		rows = rows[n:]
	}
	return nil
}

// insertSQL returns an INSERT of n rows of cols into table. It uses
// anonymous ? parameters: SQLite looks named ones ($1) up by a linear scan,
// which made wide INSERTs quadratic.
func insertSQL(table string, cols []string, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "INSERT INTO %s (%s) VALUES ", table, strings.Join(cols, ", "))
	for r := range n {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?")
		b.WriteString(strings.Repeat(", ?", len(cols)-1))
		b.WriteString(")")
	}
	return b.String()
}

type liteRows struct{ *sql.Rows }

func (r liteRows) Close() { r.Rows.Close() }

type liteRow struct{ r *sql.Row }

func (r liteRow) Scan(dest ...any) error {
	err := r.r.Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return errNoRows
	}
	return err
}

// Helpers shared by both sides.

// timeArg returns t as a query argument: nil for the zero time, else t in UTC.
func timeArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

// nullInt returns nil for 0, else n: for optional references such as a
// repository ID.
func nullInt(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}

// scanTime returns a scan destination that reads a time column of either
// backend (timestamptz or Unix microseconds) into t, UTC; NULL reads as the
// zero time.
func scanTime(t *time.Time) sql.Scanner { return timeScanner{t} }

type timeScanner struct{ t *time.Time }

func (s timeScanner) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*s.t = time.Time{}
	case int64:
		*s.t = time.UnixMicro(v).UTC()
	case time.Time:
		*s.t = v.UTC()
	default:
		return fmt.Errorf("scanning a time from %T", src)
	}
	return nil
}

// scanNullInt reads a nullable integer column into n, with NULL as 0.
func scanNullInt(n *int64) sql.Scanner { return nullIntScanner{n} }

type nullIntScanner struct{ n *int64 }

func (s nullIntScanner) Scan(src any) error {
	var v sql.NullInt64
	if err := v.Scan(src); err != nil {
		return err
	}
	*s.n = v.Int64
	return nil
}

// isUniqueViolation reports whether err is a unique or primary key
// violation on either backend.
func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// placeholders returns "$from, $from+1, …" for n parameters.
func placeholders(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", from+i)
	}
	return b.String()
}

// chunks calls fn on consecutive slices of at most size elements of xs.
func chunks[T any](xs []T, size int, fn func([]T) error) error {
	for len(xs) > 0 {
		n := min(size, len(xs))
		if err := fn(xs[:n]); err != nil {
			return err
		}
		xs = xs[n:]
	}
	return nil
}
