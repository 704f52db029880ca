package store

import (
	"context"
	"fmt"
	"sync"
)

// WithAppendLock calls fn holding org's seal append lock, which excludes
// every other WithAppendLock for org, and with a context whose store calls
// run in one transaction: committed if fn returns nil, rolled back
// otherwise. It returns fn's error, or an error taking the lock. Calls for
// different orgs do not exclude each other.
//
// On Postgres the lock is a transaction-scoped advisory lock, so it holds
// across server replicas. On SQLite it is an in-process lock per org, and
// the transaction begins (taking the database's write lock, which excludes
// other processes) at fn's first store call.
func (ss *SealStore) WithAppendLock(ctx context.Context, org string, fn func(ctx context.Context) error) error {
	s := ss.s
	if v, ok := ctx.Value(txKey{}).(*txVal); ok && v.s == s {
		if err := s.lockOrg(ctx, v.q, lockSealAppend, org); err != nil {
			return err
		}
		return fn(ctx)
	}
	if s.backend == Postgres {
		return s.inTx(ctx, func(ctx context.Context, q querier) error {
			if err := s.lockOrg(ctx, q, lockSealAppend, org); err != nil {
				return err
			}
			return fn(ctx)
		})
	}
	unlock, err := s.orgLocks.lock(ctx, org)
	if err != nil {
		return fmt.Errorf("waiting for append lock of %s: %w", org, err)
	}
	defer unlock()
	return s.lazyTx(ctx, fn)
}

// lazyTx is InTx with a transaction that begins at fn's first store call.
func (s *Store) lazyTx(ctx context.Context, fn func(ctx context.Context) error) (err error) {
	l := &lazyQ{}
	var tx *txHandle
	l.begin = func() (querier, error) {
		var err error
		tx, err = s.begin(ctx)
		if err != nil {
			return nil, err
		}
		return tx.q, nil
	}
	if err := fn(context.WithValue(ctx, txKey{}, &txVal{s, l})); err != nil {
		if tx != nil {
			tx.rollback(context.WithoutCancel(ctx))
		}
		return err
	}
	if tx == nil {
		return nil
	}
	if err := tx.commit(ctx); err != nil {
		return fmt.Errorf("committing transaction: %w", err)
	}
	return nil
}

// orgLocks is a set of per-org in-process locks.
type orgLocks struct {
	mu sync.Mutex
	m  map[string]chan struct{}
}

func (o *orgLocks) lock(ctx context.Context, org string) (unlock func(), err error) {
	o.mu.Lock()
	if o.m == nil {
		o.m = map[string]chan struct{}{}
	}
	c := o.m[org]
	if c == nil {
		c = make(chan struct{}, 1)
		o.m[org] = c
	}
	o.mu.Unlock()
	select {
	case c <- struct{}{}:
		return func() { <-c }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// lazyQ is a querier whose transaction begins at its first use.
type lazyQ struct {
	once  sync.Once
	begin func() (querier, error)
	q     querier
	err   error
}

func (l *lazyQ) get() (querier, error) {
	l.once.Do(func() { l.q, l.err = l.begin() })
	return l.q, l.err
}

func (l *lazyQ) exec(ctx context.Context, query string, args ...any) (int64, error) {
	q, err := l.get()
	if err != nil {
		return 0, err
	}
	return q.exec(ctx, query, args...)
}

func (l *lazyQ) query(ctx context.Context, query string, args ...any) (rowsIter, error) {
	q, err := l.get()
	if err != nil {
		return nil, err
	}
	return q.query(ctx, query, args...)
}

func (l *lazyQ) queryRow(ctx context.Context, query string, args ...any) rowScanner {
	q, err := l.get()
	if err != nil {
		return errRow{err}
	}
	return q.queryRow(ctx, query, args...)
}

func (l *lazyQ) copyRows(ctx context.Context, table string, cols []string, rows [][]any) error {
	q, err := l.get()
	if err != nil {
		return err
	}
	return q.copyRows(ctx, table, cols, rows)
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }
