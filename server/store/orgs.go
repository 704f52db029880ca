package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Org is a tenant. Every other object belongs to exactly one org.
type Org struct {
	ID        string // 1 to 64 of [a-z0-9-], starting with a letter or digit
	Name      string
	CreatedAt time.Time
}

// ValidOrgID reports whether id is a well-formed org ID.
func ValidOrgID(id string) bool {
	if len(id) == 0 || len(id) > 64 || id[0] == '-' {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// CreateOrg creates an org. Creating an org that exists with the same name
// does nothing; with another name it is an error wrapping [ErrConflict].
func (s *Store) CreateOrg(ctx context.Context, id, name string) (*Org, error) {
	if !ValidOrgID(id) {
		return nil, fmt.Errorf("creating org %q: %w: bad org ID", id, ErrInvalid)
	}
	err := s.inTx(ctx, func(ctx context.Context, q querier) error {
		_, err := q.exec(ctx, `INSERT INTO orgs (id, name, created_at) VALUES ($1, $2, $3)
			ON CONFLICT (id) DO NOTHING`, id, name, s.clock())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("creating org %s: %w", id, err)
	}
	o, err := s.Org(ctx, id)
	if err != nil {
		return nil, err
	}
	if o.Name != name {
		return nil, fmt.Errorf("creating org %s: %w: it exists as %q", id, ErrConflict, o.Name)
	}
	return o, nil
}

// Org returns the org id, or an error wrapping [ErrNotFound].
func (s *Store) Org(ctx context.Context, id string) (*Org, error) {
	o := &Org{ID: id}
	err := s.q(ctx).queryRow(ctx, `SELECT name, created_at FROM orgs WHERE id = $1`, id).
		Scan(&o.Name, scanTime(&o.CreatedAt))
	if errors.Is(err, errNoRows) {
		return nil, fmt.Errorf("reading org %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("reading org %s: %w", id, err)
	}
	return o, nil
}

// Repo is a registered mirror.
type Repo struct {
	ID        int64
	URL       string
	CreatedAt time.Time
}

// RegisterRepo registers a mirror of url for org, or returns the one
// registered already.
func (s *Store) RegisterRepo(ctx context.Context, org, url string) (*Repo, error) {
	err := s.inTx(ctx, func(ctx context.Context, q querier) error {
		_, err := q.exec(ctx, `INSERT INTO repos (org_id, url, created_at) VALUES ($1, $2, $3)
			ON CONFLICT (org_id, url) DO NOTHING`, org, url, s.clock())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("registering repository %s: %w", url, err)
	}
	r := &Repo{URL: url}
	err = s.q(ctx).queryRow(ctx, `SELECT id, created_at FROM repos WHERE org_id = $1 AND url = $2`,
		org, url).Scan(&r.ID, scanTime(&r.CreatedAt))
	if err != nil {
		return nil, fmt.Errorf("registering repository %s: %w", url, err)
	}
	return r, nil
}

// Repos lists org's registered repositories, oldest first.
func (s *Store) Repos(ctx context.Context, org string) ([]Repo, error) {
	rows, err := s.q(ctx).query(ctx, `SELECT id, url, created_at FROM repos WHERE org_id = $1 ORDER BY id`, org)
	if err != nil {
		return nil, fmt.Errorf("listing repositories of org %s: %w", org, err)
	}
	defer rows.Close()
	var out []Repo
	for rows.Next() {
		var r Repo
		if err := rows.Scan(&r.ID, &r.URL, scanTime(&r.CreatedAt)); err != nil {
			return nil, fmt.Errorf("listing repositories of org %s: %w", org, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// RefTip is the last fetched tip of one mirrored ref.
type RefTip struct {
	Ref       string
	Tip       string
	FetchedAt time.Time
}

// RefTips returns the last fetched tips of org's repository repo, by ref
// name; an error wrapping [ErrNotFound] if org has no such repository.
func (s *Store) RefTips(ctx context.Context, org string, repo int64) ([]RefTip, error) {
	q := s.q(ctx)
	var n int
	if err := q.queryRow(ctx, `SELECT COUNT(*) FROM repos WHERE org_id = $1 AND id = $2`, org, repo).Scan(&n); err != nil {
		return nil, fmt.Errorf("reading tips of repository %d: %w", repo, err)
	}
	if n == 0 {
		return nil, fmt.Errorf("reading tips of repository %d: %w", repo, ErrNotFound)
	}
	rows, err := q.query(ctx, `SELECT ref, tip, fetched_at FROM repo_refs
		WHERE org_id = $1 AND repo_id = $2 ORDER BY ref`, org, repo)
	if err != nil {
		return nil, fmt.Errorf("reading tips of repository %d: %w", repo, err)
	}
	defer rows.Close()
	var out []RefTip
	for rows.Next() {
		var t RefTip
		if err := rows.Scan(&t.Ref, &t.Tip, scanTime(&t.FetchedAt)); err != nil {
			return nil, fmt.Errorf("reading tips of repository %d: %w", repo, err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RefUpdate moves a ref's recorded tip from Old ("" for a ref not recorded
// yet) to New.
type RefUpdate struct {
	Ref, Old, New string
}

// UpdateRefTips applies updates to org's repository repo, all or nothing,
// each as a compare-and-swap: if a ref's recorded tip is not Old, nothing
// is applied and the error wraps [ErrConflict]. Run it in the transaction
// that ingests what was fetched ([Store.InTx]), so tips only move past
// records that are stored.
func (s *Store) UpdateRefTips(ctx context.Context, org string, repo int64, updates []RefUpdate) error {
	err := s.inTx(ctx, func(ctx context.Context, q querier) error {
		now := s.clock()
		for _, u := range updates {
			var n int64
			var err error
			if u.Old == "" {
				n, err = q.exec(ctx, `INSERT INTO repo_refs (org_id, repo_id, ref, tip, fetched_at)
					VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, org, repo, u.Ref, u.New, now)
			} else {
				n, err = q.exec(ctx, `UPDATE repo_refs SET tip = $1, fetched_at = $2
					WHERE org_id = $3 AND repo_id = $4 AND ref = $5 AND tip = $6`,
					u.New, now, org, repo, u.Ref, u.Old)
			}
			if err != nil {
				return fmt.Errorf("updating %s: %w", u.Ref, err)
			}
			if n != 1 {
				return fmt.Errorf("updating %s: %w: its tip is not %q", u.Ref, ErrConflict, u.Old)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("updating tips of repository %d: %w", repo, err)
	}
	return nil
}

// Writer is a registered writer key: the public key records of writer ID
// are signed with.
type Writer struct {
	ID        string // the writer ID of envelopes, "w…"
	PublicKey string // as the CLI registers it (sigkey's encoding)
	Name      string
	Email     string
	CreatedAt time.Time
	RevokedAt time.Time // zero while valid
}

// RegisterWriter registers w's key for org. Registering the same key again
// does nothing; another key for a registered writer ID is an error
// wrapping [ErrConflict] (keys are never replaced).
func (s *Store) RegisterWriter(ctx context.Context, org string, w Writer) error {
	err := s.inTx(ctx, func(ctx context.Context, q querier) error {
		_, err := q.exec(ctx, `INSERT INTO writers (org_id, writer_id, public_key, name, email, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
			org, w.ID, w.PublicKey, w.Name, w.Email, s.clock())
		if err != nil {
			return err
		}
		var key string
		if err := q.queryRow(ctx, `SELECT public_key FROM writers WHERE org_id = $1 AND writer_id = $2`,
			org, w.ID).Scan(&key); err != nil {
			return err
		}
		if key != w.PublicKey {
			return fmt.Errorf("%w: another key is registered", ErrConflict)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("registering writer %s: %w", w.ID, err)
	}
	return nil
}

// Writer returns org's writer id (revoked or not), or an error wrapping
// [ErrNotFound].
func (s *Store) Writer(ctx context.Context, org, id string) (*Writer, error) {
	w := &Writer{ID: id}
	err := s.q(ctx).queryRow(ctx, `SELECT public_key, name, email, created_at, revoked_at
		FROM writers WHERE org_id = $1 AND writer_id = $2`, org, id).
		Scan(&w.PublicKey, &w.Name, &w.Email, scanTime(&w.CreatedAt), scanTime(&w.RevokedAt))
	if errors.Is(err, errNoRows) {
		return nil, fmt.Errorf("reading writer %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("reading writer %s: %w", id, err)
	}
	return w, nil
}

// RevokeWriter marks org's writer id revoked now; revoking twice keeps the
// first time.
func (s *Store) RevokeWriter(ctx context.Context, org, id string) error {
	var n int64
	err := s.inTx(ctx, func(ctx context.Context, q querier) error {
		var err error
		n, err = q.exec(ctx, `UPDATE writers SET revoked_at = COALESCE(revoked_at, $1)
			WHERE org_id = $2 AND writer_id = $3`, s.clock(), org, id)
		return err
	})
	if err == nil && n == 0 {
		err = ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("revoking writer %s: %w", id, err)
	}
	return nil
}
