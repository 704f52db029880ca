package store_test

import (
	"testing"

	"github.com/tracevault/tracevault/seal"
	"github.com/tracevault/tracevault/seal/sealtest"
)

func TestSealHashStoreSQLite(t *testing.T) {
	t.Parallel()
	sealtest.Run(t, func(t *testing.T) seal.HashStore {
		s := openSQLite(t)
		t.Cleanup(func() { s.Close() })
		return s.HashStore()
	})
}

func TestSealHashStorePostgres(t *testing.T) {
	t.Parallel()
	sealtest.Run(t, func(t *testing.T) seal.HashStore {
		s := openPostgres(t)
		t.Cleanup(func() { s.Close() })
		return s.HashStore()
	})
}
