package store_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/tracevault/tracevault/internal/pgtest"
	"github.com/tracevault/tracevault/server/store"
	"github.com/tracevault/tracevault/server/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func openSQLite(t testing.TB) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "tv.db"))
	if err != nil {
		t.Fatalf("Open(sqlite) = %v", err)
	}
	return s
}

func openPostgresDSN(t testing.TB) string { return pgtest.Start(t) }

func openPostgres(t testing.TB) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), openPostgresDSN(t))
	if err != nil {
		t.Fatalf("Open(postgres) = %v", err)
	}
	return s
}

func TestSQLite(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) *store.Store { return openSQLite(t) })
}

func TestPostgres(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) *store.Store { return openPostgres(t) })
}
