package server_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tracevault/tracevault/seal"
	"github.com/tracevault/tracevault/server/api"
	"github.com/tracevault/tracevault/server/servertest"
	"github.com/tracevault/tracevault/server/store"
)

// rawDB runs SQL on a test server's database behind its back, as an
// attacker with database access would.
type rawDB struct {
	pg   *pgx.Conn
	lite *sql.DB
}

func openRaw(t *testing.T, s *servertest.Server) *rawDB {
	t.Helper()
	ctx := context.Background()
	if s.Cfg.DatabaseURL != "" {
		c, err := pgx.Connect(ctx, s.Cfg.DatabaseURL)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close(ctx) })
		return &rawDB{pg: c}
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(s.Cfg.DataDir, store.DefaultFile)+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &rawDB{lite: db}
}

func (r *rawDB) bytes(t *testing.T, query string, args ...any) []byte {
	t.Helper()
	var b []byte
	var err error
	if r.pg != nil {
		err = r.pg.QueryRow(context.Background(), query, args...).Scan(&b)
	} else {
		err = r.lite.QueryRow(strings.ReplaceAll(query, "$", "?"), args...).Scan(&b)
	}
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return b
}

func (r *rawDB) exec(t *testing.T, query string, args ...any) {
	t.Helper()
	var err error
	if r.pg != nil {
		_, err = r.pg.Exec(context.Background(), query, args...)
	} else {
		_, err = r.lite.Exec(strings.ReplaceAll(query, "$", "?"), args...)
	}
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// flip changes byte i of the value a one-column SELECT returns and writes
// it back with update (whose last parameter is the new value).
func (r *rawDB) flip(t *testing.T, sel, update string, i int, args ...any) {
	t.Helper()
	b := r.bytes(t, sel, args...)
	if i < 0 {
		i += len(b)
	}
	b = append([]byte(nil), b...)
	b[i] ^= 0x01
	r.exec(t, update, append(args, b)...)
}

// TestTamper changes one byte of a stored record, leaf, Merkle hash or
// checkpoint and requires both the server's audit and a client's
// verification to name it.
func TestTamper(t *testing.T) {
	cases := []struct {
		name   string
		what   string
		index  int64
		tamper func(t *testing.T, db *rawDB)
	}{
		{"record", seal.TamperRecord, 3, func(t *testing.T, db *rawDB) {
			db.flip(t, `SELECT raw FROM records WHERE org_id = 'default' AND seq = $1`,
				`UPDATE records SET raw = $2 WHERE org_id = 'default' AND seq = $1`, 40, 4)
		}},
		{"leaf", seal.TamperLeaf, 5, func(t *testing.T, db *rawDB) {
			db.flip(t, `SELECT leaf FROM seal_leaves WHERE org_id = 'default' AND idx = $1`,
				`UPDATE seal_leaves SET leaf = $2 WHERE org_id = 'default' AND idx = $1`, 30, 5)
		}},
		{"hash", seal.TamperHash, 2, func(t *testing.T, db *rawDB) {
			db.flip(t, `SELECT hash FROM seal_hashes WHERE org_id = 'default' AND idx = $1`,
				`UPDATE seal_hashes SET hash = $2 WHERE org_id = 'default' AND idx = $1`, 0, 2)
		}},
		{"checkpoint", seal.TamperCheckpoint, 8, func(t *testing.T, db *rawDB) {
			db.flip(t, `SELECT note FROM seal_checkpoints WHERE org_id = 'default' AND size = $1`,
				`UPDATE seal_checkpoints SET note = $2 WHERE org_id = 'default' AND size = $1`, -10, 8)
		}},
	}
	backends(t, func(t *testing.T, dsn string) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				ctx := context.Background()
				s := servertest.Start(t, servertest.Config(t, pgDSN(t, dsn)))
				c := s.Client(t)
				w := servertest.NewWriter(t)
				if _, err := c.RegisterWriter(ctx, api.Writer{PublicKey: w.PublicKey()}); err != nil {
					t.Fatal(err)
				}
				recs := w.Sessions(t, "t", 8)
				if _, err := c.Upload(ctx, "", recs); err != nil {
					t.Fatal(err)
				}
				if res, _ := s.Audit(ctx, "default"); !res.OK {
					t.Fatalf("audit before tampering = %+v", res)
				}
				tc.tamper(t, openRaw(t, s))
				res, err := s.Audit(ctx, "default")
				if err != nil {
					t.Fatal(err)
				}
				if res.OK || res.What != tc.what || res.Index != tc.index {
					t.Errorf("Audit after tampering with %s = %+v; want %s %d", tc.name, res, tc.what, tc.index)
				}
				if _, _, err := clientVerify(c, recs); err == nil {
					t.Errorf("client verification after tampering with %s passed", tc.name)
				} else {
					t.Logf("client: %v", err)
				}
			})
		}
	})
}

// pgDSN returns a fresh database for each subtest on Postgres.
func pgDSN(t *testing.T, dsn string) string {
	if dsn == "" {
		return ""
	}
	return pgtestStart(t)
}
