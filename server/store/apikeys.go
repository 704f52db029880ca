package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// APIKeyPrefix starts every API key token. A token is
// "tvk_<id>_<secret>": id (16 hex digits) finds the key, and the store
// keeps only the SHA-256 of the whole token.
const APIKeyPrefix = "tvk_"

// Role is what a credential may do. Only RoleUploader exists until the
// user and role model arrives; api_keys.role and created_by are its seam.
type Role string

// Roles.
const (
	RoleUploader Role = "uploader" // may upload records for its org
)

// APIKey describes an org-scoped API key; the token itself is shown once,
// by [Store.CreateAPIKey].
type APIKey struct {
	ID         string
	Name       string
	Role       Role
	CreatedBy  string // the user who made it; empty until users exist
	CreatedAt  time.Time
	LastUsedAt time.Time // updated at most once a minute
	RevokedAt  time.Time
}

// Principal is who an authenticated request acts as.
type Principal struct {
	Org   string
	KeyID string
	Role  Role
}

// CreateAPIKey creates an API key for org and returns its token, which is
// not stored and cannot be recovered.
func (s *Store) CreateAPIKey(ctx context.Context, org, name string, role Role) (token string, key *APIKey, err error) {
	var idb [8]byte
	var secret [32]byte
	if _, err := rand.Read(idb[:]); err != nil {
		return "", nil, err
	}
	if _, err := rand.Read(secret[:]); err != nil {
		return "", nil, err
	}
	key = &APIKey{ID: hex.EncodeToString(idb[:]), Name: name, Role: role, CreatedAt: s.clock()}
	token = APIKeyPrefix + key.ID + "_" + base64.RawURLEncoding.EncodeToString(secret[:])
	hash := sha256.Sum256([]byte(token))
	err = s.inTx(ctx, func(ctx context.Context, q querier) error {
		_, err := q.exec(ctx, `INSERT INTO api_keys (id, org_id, name, role, hash, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, key.ID, org, name, string(role), hash[:], key.CreatedAt)
		return err
	})
	if err != nil {
		return "", nil, fmt.Errorf("creating API key %q for org %s: %w", name, org, err)
	}
	return token, key, nil
}

// VerifyAPIKey returns who token authenticates. An unknown, wrong or
// revoked token is an error wrapping [ErrUnauthorized]; the hash is
// compared in constant time.
func (s *Store) VerifyAPIKey(ctx context.Context, token string) (*Principal, error) {
	rest, ok := strings.CutPrefix(token, APIKeyPrefix)
	id, _, ok2 := strings.Cut(rest, "_")
	if !ok || !ok2 || len(id) != 16 {
		return nil, fmt.Errorf("verifying API key: %w: malformed token", ErrUnauthorized)
	}
	p := &Principal{KeyID: id}
	var hash []byte
	var role string
	var revoked, lastUsed time.Time
	err := s.q(ctx).queryRow(ctx, `SELECT org_id, role, hash, revoked_at, last_used_at
		FROM api_keys WHERE id = $1`, id).Scan(&p.Org, &role, &hash, scanTime(&revoked), scanTime(&lastUsed))
	if errors.Is(err, errNoRows) {
		return nil, fmt.Errorf("verifying API key %s: %w: unknown key", id, ErrUnauthorized)
	}
	if err != nil {
		return nil, fmt.Errorf("verifying API key %s: %w", id, err)
	}
	want := sha256.Sum256([]byte(token))
	if subtle.ConstantTimeCompare(hash, want[:]) != 1 {
		return nil, fmt.Errorf("verifying API key %s: %w: wrong secret", id, ErrUnauthorized)
	}
	if !revoked.IsZero() {
		return nil, fmt.Errorf("verifying API key %s: %w: revoked", id, ErrUnauthorized)
	}
	p.Role = Role(role)
	if now := s.clock(); now.Sub(lastUsed) >= time.Minute {
		_, err := s.q(ctx).exec(ctx, `UPDATE api_keys SET last_used_at = $1 WHERE id = $2`, now, id)
		if err != nil {
			return nil, fmt.Errorf("verifying API key %s: %w", id, err)
		}
	}
	return p, nil
}

// APIKeys lists org's API keys, revoked ones included, oldest first.
func (s *Store) APIKeys(ctx context.Context, org string) ([]APIKey, error) {
	rows, err := s.q(ctx).query(ctx, `SELECT id, name, role, COALESCE(created_by, ''), created_at,
		last_used_at, revoked_at FROM api_keys WHERE org_id = $1 ORDER BY created_at, id`, org)
	if err != nil {
		return nil, fmt.Errorf("listing API keys of org %s: %w", org, err)
	}
	defer rows.Close()
	var out []APIKey
	for rows.Next() {
		var k APIKey
		var role string
		if err := rows.Scan(&k.ID, &k.Name, &role, &k.CreatedBy, scanTime(&k.CreatedAt),
			scanTime(&k.LastUsedAt), scanTime(&k.RevokedAt)); err != nil {
			return nil, fmt.Errorf("listing API keys of org %s: %w", org, err)
		}
		k.Role = Role(role)
		out = append(out, k)
	}
	return out, rows.Err()
}

// RevokeAPIKey revokes org's API key id; an error wrapping [ErrNotFound]
// if org has no such key. Revoking twice keeps the first time.
func (s *Store) RevokeAPIKey(ctx context.Context, org, id string) error {
	var n int64
	err := s.inTx(ctx, func(ctx context.Context, q querier) error {
		var err error
		n, err = q.exec(ctx, `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $1)
			WHERE org_id = $2 AND id = $3`, s.clock(), org, id)
		return err
	})
	if err == nil && n == 0 {
		err = ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("revoking API key %s: %w", id, err)
	}
	return nil
}

// Verdict is a policy verdict on a commit, kept as the canonical verdict
// JSON the policy engine produced.
type Verdict struct {
	ID        int64
	Commit    string
	Repo      int64
	Policy    string // which policy, e.g. its name or hash
	Outcome   string // e.g. "pass", "warn", "fail", for filtering
	Canonical []byte // the canonical verdict JSON, stored verbatim
	CreatedAt time.Time
}

// PutVerdict stores a verdict for org's commit v.Commit and returns its
// ID. The same canonical bytes for the same commit are stored once.
func (s *Store) PutVerdict(ctx context.Context, org string, v Verdict) (int64, error) {
	h := sha256.Sum256(v.Canonical)
	var id int64
	err := s.inTx(ctx, func(ctx context.Context, q querier) error {
		_, err := q.exec(ctx, `INSERT INTO policy_verdicts
			(org_id, sha, repo_id, policy, outcome, verdict, verdict_hash, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
			org, v.Commit, nullInt(v.Repo), v.Policy, v.Outcome, nonNil(v.Canonical), h[:], s.clock())
		if err != nil {
			return err
		}
		return q.queryRow(ctx, `SELECT id FROM policy_verdicts
			WHERE org_id = $1 AND sha = $2 AND verdict_hash = $3`, org, v.Commit, h[:]).Scan(&id)
	})
	if err != nil {
		return 0, fmt.Errorf("storing verdict on commit %s: %w", v.Commit, err)
	}
	return id, nil
}

// Verdicts returns org's verdicts on commit, oldest first: the last is the
// latest.
func (s *Store) Verdicts(ctx context.Context, org, commit string) ([]Verdict, error) {
	rows, err := s.q(ctx).query(ctx, `SELECT id, repo_id, policy, outcome, verdict, created_at
		FROM policy_verdicts WHERE org_id = $1 AND sha = $2 ORDER BY id`, org, commit)
	if err != nil {
		return nil, fmt.Errorf("reading verdicts on commit %s: %w", commit, err)
	}
	defer rows.Close()
	var out []Verdict
	for rows.Next() {
		v := Verdict{Commit: commit}
		if err := rows.Scan(&v.ID, scanNullInt(&v.Repo), &v.Policy, &v.Outcome, &v.Canonical,
			scanTime(&v.CreatedAt)); err != nil {
			return nil, fmt.Errorf("reading verdicts on commit %s: %w", commit, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
