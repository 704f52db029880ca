package store_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tracevault/tracevault/server/store"
)

func TestOpenSQLitePaths(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	t.Setenv("XDG_DATA_HOME", filepath.Join(dir, "xdg"))
	for _, tc := range []struct{ dsn, file string }{
		{"", filepath.Join(dir, "xdg", "tracevault", store.DefaultFile)},
		{"sqlite:" + filepath.Join(dir, "a", "x.db"), filepath.Join(dir, "a", "x.db")},
		{filepath.Join(dir, "b") + "/", filepath.Join(dir, "b", store.DefaultFile)},
		{filepath.Join(dir, "c.db"), filepath.Join(dir, "c.db")},
	} {
		s, err := store.Open(ctx, tc.dsn)
		if err != nil {
			t.Fatalf("Open(%q) = %v", tc.dsn, err)
		}
		if s.Backend() != store.SQLite {
			t.Errorf("Open(%q).Backend() = %s, want sqlite", tc.dsn, s.Backend())
		}
		if _, err := s.CreateOrg(ctx, "acme", "Acme"); err != nil {
			t.Errorf("CreateOrg on %q = %v", tc.dsn, err)
		}
		s.Close()
		if _, err := os.Stat(tc.file); err != nil {
			t.Errorf("Open(%q) did not create %s: %v", tc.dsn, tc.file, err)
		}
		// Reopening runs no migration twice and keeps the data.
		s, err = store.Open(ctx, tc.dsn)
		if err != nil {
			t.Fatalf("reopening %q = %v", tc.dsn, err)
		}
		if _, err := s.Org(ctx, "acme"); err != nil {
			t.Errorf("Org(acme) after reopening %q = %v", tc.dsn, err)
		}
		s.Close()
	}
}

func TestOpenPostgresTwice(t *testing.T) {
	ctx := context.Background()
	dsn := openPostgresDSN(t)
	for range 2 {
		s, err := store.Open(ctx, dsn)
		if err != nil {
			t.Fatalf("Open(postgres) = %v", err)
		}
		if s.Backend() != store.Postgres {
			t.Errorf("Backend() = %s, want postgres", s.Backend())
		}
		s.Close()
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var method string
	err = conn.QueryRow(ctx, `SELECT attcompression::text FROM pg_attribute
		WHERE attrelid = 'records'::regclass AND attname = 'raw'`).Scan(&method)
	if err != nil || method != "l" {
		t.Errorf("records.raw compression = %q, %v, want lz4 (l)", method, err)
	}
}
