package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/tracevault/tracevault/internal/pgtest"
	"github.com/tracevault/tracevault/seal"
	"github.com/tracevault/tracevault/server"
	"github.com/tracevault/tracevault/server/api"
	"github.com/tracevault/tracevault/server/client"
	"github.com/tracevault/tracevault/server/servertest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// backends runs f against the embedded store and Postgres.
func backends(t *testing.T, f func(t *testing.T, dsn string)) {
	t.Run("embedded", func(t *testing.T) { t.Parallel(); f(t, "") })
	t.Run("postgres", func(t *testing.T) { t.Parallel(); f(t, pgtest.Start(t)) })
}

func hashOf(r api.Record) string {
	h := sha256.Sum256(r.Raw)
	return "sha256:" + hex.EncodeToString(h[:])
}

func proof(t *testing.T, b [][]byte) []tlog.Hash {
	t.Helper()
	out := make([]tlog.Hash, len(b))
	for i, h := range b {
		if len(h) != tlog.HashSize {
			t.Fatalf("proof hash %d is %d bytes", i, len(h))
		}
		out[i] = tlog.Hash(h)
	}
	return out
}

// verifyAll checks the latest checkpoint with the org's key and the
// inclusion of every record, as a client would, and returns the
// checkpoint.
func verifyAll(t *testing.T, c *client.Client, recs []api.Record) (seal.Checkpoint, []byte) {
	t.Helper()
	cp, note, err := clientVerify(c, recs)
	if err != nil {
		t.Fatal(err)
	}
	return cp, note
}

func clientVerify(c *client.Client, recs []api.Record) (seal.Checkpoint, []byte, error) {
	ctx := context.Background()
	pk, err := c.PublicKey(ctx)
	if err != nil {
		return seal.Checkpoint{}, nil, err
	}
	var vkeys []string
	for _, k := range pk.Keys {
		vkeys = append(vkeys, k.VerifierKey)
	}
	known, err := seal.VerifiersFor(vkeys...)
	if err != nil {
		return seal.Checkpoint{}, nil, err
	}
	note, err := c.Checkpoint(ctx, -1)
	if err != nil {
		return seal.Checkpoint{}, nil, err
	}
	cp, _, err := seal.OpenCheckpoint(note, known)
	if err != nil {
		return cp, nil, fmt.Errorf("OpenCheckpoint: %w", err)
	}
	for _, r := range recs {
		inc, err := c.InclusionByRecord(ctx, hashOf(r), cp.Size)
		if err != nil {
			return cp, nil, fmt.Errorf("InclusionByRecord(%s): %w", hashOf(r), err)
		}
		p, err := proofOf(inc.Proof)
		if err != nil {
			return cp, nil, err
		}
		if err := seal.VerifyRecord(cp, inc.Record, inc.Leaf, inc.Index, p); err != nil {
			return cp, nil, fmt.Errorf("VerifyRecord(%d) of the server's copy: %w", inc.Index, err)
		}
		if string(inc.Record) != string(r.Raw) {
			return cp, nil, fmt.Errorf("server's copy of leaf %d differs from the uploaded record", inc.Index)
		}
	}
	return cp, note, nil
}

func proofOf(b [][]byte) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(b))
	for i, h := range b {
		if len(h) != tlog.HashSize {
			return nil, fmt.Errorf("proof hash %d is %d bytes", i, len(h))
		}
		out[i] = tlog.Hash(h)
	}
	return out, nil
}

func TestUploadSealVerify(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := servertest.Start(t, servertest.Config(t, dsn))
		c := s.Client(t)
		w := servertest.NewWriter(t)
		if _, err := c.RegisterWriter(ctx, api.Writer{PublicKey: w.PublicKey()}); err != nil {
			t.Fatal(err)
		}
		first := w.Sessions(t, "s", 10)
		up, err := c.Upload(ctx, "", first[:6])
		if err != nil {
			t.Fatal(err)
		}
		if up.Stored != 6 || up.LogSize != 6 {
			t.Fatalf("first upload: stored %d, log size %d; want 6, 6", up.Stored, up.LogSize)
		}
		cp1, note1 := verifyAll(t, c, first[:6])

		// Overlapping upload: duplicates stored once, new ones sealed.
		up, err = c.Upload(ctx, "", first)
		if err != nil {
			t.Fatal(err)
		}
		if up.Stored != 4 || up.Duplicate != 6 || up.LogSize != 10 {
			t.Fatalf("second upload = %+v; want 4 stored, 6 duplicate, size 10", up)
		}
		cp2, _ := verifyAll(t, c, first)
		cons, err := c.Consistency(ctx, cp1.Size, cp2.Size)
		if err != nil {
			t.Fatal(err)
		}
		if err := seal.VerifyConsistency(cp1, cp2, proof(t, cons.Proof)); err != nil {
			t.Fatalf("VerifyConsistency: %v", err)
		}
		_ = note1

		// Forged, unknown-key and bad-chain records are quarantined.
		forged := w.Session(t, "forged")
		forged.Raw = append([]byte(nil), forged.Raw...)
		forged.Raw[len(forged.Raw)-3] ^= 1 // still JSON? maybe not; either way refused
		stranger := servertest.NewWriter(t)
		unknown := stranger.Session(t, "stranger")
		gap := servertest.NewWriter(t)
		if _, err := c.RegisterWriter(ctx, api.Writer{PublicKey: gap.PublicKey()}); err != nil {
			t.Fatal(err)
		}
		gap.Session(t, "never-sent")
		skipped := gap.Session(t, "after-gap")
		up, err = c.Upload(ctx, "", []api.Record{forged, unknown, skipped})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"", "unknown-key", "bad-chain"}
		for i, o := range up.Outcomes {
			if o.Status != api.StatusQuarantined || (want[i] != "" && o.Code != want[i]) || o.Reason == "" {
				t.Errorf("outcome %d = %+v; want quarantined %s with a reason", i, o, want[i])
			}
		}
		if up.Outcomes[0].Code != "forged" && up.Outcomes[0].Code != "malformed" {
			t.Errorf("tampered record code = %s; want forged or malformed", up.Outcomes[0].Code)
		}
		q, err := c.Quarantine(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(q) != 3 {
			t.Errorf("quarantine has %d records; want 3", len(q))
		}
		res, err := c.Audit(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !res.OK || res.Leaves != 10 {
			t.Fatalf("audit = %+v; want ok with 10 leaves", res)
		}
	})
}

func TestAuthz(t *testing.T) {
	ctx := context.Background()
	s := servertest.Start(t, servertest.Config(t, ""))
	auditor, err := client.New(s.URL, s.Cfg.Org, s.Token(t, server.RoleAuditor), nil)
	if err != nil {
		t.Fatal(err)
	}
	w := servertest.NewWriter(t)
	if _, err := auditor.Upload(ctx, "", []api.Record{w.Session(t, "x")}); err == nil {
		t.Error("auditor upload succeeded; want forbidden")
	}
	if _, err := auditor.Checkpoint(ctx, -1); err != nil {
		t.Errorf("auditor Checkpoint: %v", err)
	}
	anon, _ := client.New(s.URL, s.Cfg.Org, "", nil)
	if _, err := anon.Checkpoint(ctx, -1); err == nil {
		t.Error("anonymous Checkpoint succeeded; want unauthorized")
	}
	other, _ := client.New(s.URL, "other", s.Admin, nil)
	if _, err := other.Checkpoint(ctx, -1); err == nil {
		t.Error("Checkpoint of another org succeeded; want forbidden")
	}
	uploader, _ := client.New(s.URL, s.Cfg.Org, s.Token(t, server.RoleUploader), nil)
	if _, err := uploader.RegisterWriter(ctx, api.Writer{PublicKey: w.PublicKey()}); err == nil {
		t.Error("uploader RegisterWriter succeeded; want forbidden")
	}
}

var pgtestStart = func(t *testing.T) string { return pgtest.Start(t) }

// TestLandingPage: / serves the embedded web assets without credentials.
func TestLandingPage(t *testing.T) {
	s := servertest.Start(t, servertest.Config(t, ""))
	resp, err := http.Get(s.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "<h1>TraceVault server</h1>") ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Errorf("GET / = %d %q, body %.80q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
}
