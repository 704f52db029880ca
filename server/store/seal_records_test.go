package store_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/tracevault/tracevault/seal"
	"github.com/tracevault/tracevault/server/store"
	"github.com/tracevault/tracevault/server/store/storetest"
)

func TestSealRecordsSQLite(t *testing.T) {
	t.Parallel()
	testSealRecords(t, openSQLite(t))
}

func TestSealRecordsPostgres(t *testing.T) {
	t.Parallel()
	testSealRecords(t, openPostgres(t))
}

// testSealRecords checks that ReadRecords finds each leaf's record whether
// the record was stored noted with its leaf (IngestSealed, the fast range
// read) or not (Ingest: the join on record_hash), and only the org's own.
func testSealRecords(t *testing.T, s *store.Store) {
	ctx := context.Background()
	for _, org := range []string{"acme", "globex"} {
		if _, err := s.CreateOrg(ctx, org, org); err != nil {
			t.Fatal(err)
		}
	}
	var recs []store.Incoming
	for seq := int64(1); seq <= 5; seq++ {
		recs = append(recs, storetest.SessionRecord("w1", seq, storetest.Session(fmt.Sprintf("s%d", seq), "ann", storetest.T0), 0, store.SourceUpload))
	}
	// Leaves 0-2 are noted at ingest, 3-4 are not.
	if _, err := s.IngestSealed(ctx, "acme", recs[:3], 0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Ingest(ctx, "acme", recs[3:]); err != nil {
		t.Fatal(err)
	}
	leaves := make([][]byte, len(recs))
	for i, r := range recs {
		l := seal.Leaf{Index: int64(i), Record: seal.RecordDigest(r.Raw), SealedAt: storetest.T0, Kind: seal.KindSession, Amends: seal.NoAmends}
		if i > 0 {
			l.Prev = tlog.RecordHash(leaves[i-1])
		}
		leaves[i] = l.Encode()
	}
	hashes := make([]tlog.Hash, tlog.StoredHashCount(int64(len(leaves))))
	if err := s.HashStore().AppendLeaves(ctx, "acme", 0, leaves, hashes); err != nil {
		t.Fatal(err)
	}
	// globex seals acme's first record's hash but stores no record.
	if err := s.HashStore().AppendLeaves(ctx, "globex", 0, leaves[:1], hashes[:1]); err != nil {
		t.Fatal(err)
	}
	for _, r := range [][2]int64{{0, 5}, {0, 3}, {2, 5}, {3, 5}, {4, 5}} {
		got, err := s.HashStore().ReadRecords(ctx, "acme", r[0], r[1])
		if err != nil || int64(len(got)) != r[1]-r[0] {
			t.Fatalf("ReadRecords(%d, %d) = %d records, %v", r[0], r[1], len(got), err)
		}
		for k, raw := range got {
			if !bytes.Equal(raw, recs[r[0]+int64(k)].Raw) {
				t.Errorf("ReadRecords(%d, %d)[%d] is not record %d", r[0], r[1], k, r[0]+int64(k))
			}
		}
	}
	got, err := s.HashStore().ReadRecords(ctx, "globex", 0, 1)
	if err != nil || len(got) != 1 || got[0] != nil {
		t.Errorf("ReadRecords(globex, 0, 1) = %q, %v, want no record: another org's record leaked", got, err)
	}
	if i, err := s.Seal().LeafIndex(ctx, "acme", seal.RecordDigest(recs[3].Raw)); err != nil || i != 3 {
		t.Errorf("LeafIndex(record 3) = %d, %v, want 3", i, err)
	}
	if i, err := s.Seal().LeafIndex(ctx, "globex", seal.RecordDigest(recs[3].Raw)); err != nil || i != -1 {
		t.Errorf("LeafIndex(globex, record 3) = %d, %v, want -1", i, err)
	}
}
