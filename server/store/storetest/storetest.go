// Package storetest is the contract suite every server/store backend must
// pass: run it against the embedded SQLite store always and against
// Postgres (internal/pgtest starts one) in every test run.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/server/store"
)

// Run runs the contract suite. open must return a new, empty, migrated
// store for each call; Run closes it.
func Run(t *testing.T, open func(t *testing.T) *store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s *store.Store)
	}{
		{"IngestIdempotent", testIngestIdempotent},
		{"IngestConcurrentDuplicates", testIngestConcurrent},
		{"IngestConflictQuarantined", testIngestConflict},
		{"IngestMalformed", testIngestMalformed},
		{"Quarantine", testQuarantine},
		{"OtherRecordTypes", testOtherTypes},
		{"IngestAtomic", testIngestAtomic},
		{"SessionRoundTrip", testSessionRoundTrip},
		{"SessionLatestRecordWins", testSessionLatestWins},
		{"CommitRoundTrip", testCommitRoundTrip},
		{"RepoFilledByMirror", testRepoFilled},
		{"Queries", testQueries},
		{"OrgIsolation", testOrgIsolation},
		{"APIKeys", testAPIKeys},
		{"Verdicts", testVerdicts},
		{"Repos", testRepos},
		{"Writers", testWriters},
		{"Orgs", testOrgs},
		{"SealTables", testSealTables},
		{"SealRecords", testSealRecords},
		{"SealKeyRing", testSealKeyRing},
		{"SealAppendLock", testSealAppendLock},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { s.Close() })
			tt.fn(t, s)
		})
	}
}

// newOrg creates org id in s.
func newOrg(t *testing.T, s *store.Store, id string) string {
	t.Helper()
	if _, err := s.CreateOrg(context.Background(), id, "Org "+id); err != nil {
		t.Fatalf("CreateOrg(%q) = %v", id, err)
	}
	return id
}

func ingest(t *testing.T, s *store.Store, org string, recs ...store.Incoming) []store.Outcome {
	t.Helper()
	out, err := s.Ingest(context.Background(), org, recs)
	if err != nil {
		t.Fatalf("Ingest(%d records) = %v", len(recs), err)
	}
	if len(out) != len(recs) {
		t.Fatalf("Ingest(%d records) returned %d outcomes", len(recs), len(out))
	}
	return out
}

func statuses(out []store.Outcome) []store.Status {
	var st []store.Status
	for _, o := range out {
		st = append(st, o.Status)
	}
	return st
}

func wantStatuses(t *testing.T, out []store.Outcome, want ...store.Status) {
	t.Helper()
	if diff := cmp.Diff(want, statuses(out)); diff != "" {
		t.Errorf("Ingest statuses (-want +got):\n%s\noutcomes: %+v", diff, out)
	}
}

func countSessions(t *testing.T, s *store.Store, org string) int {
	t.Helper()
	ss, err := s.Sessions(context.Background(), org, store.Filter{Limit: 1000})
	if err != nil {
		t.Fatalf("Sessions = %v", err)
	}
	return len(ss)
}

func testIngestIdempotent(t *testing.T, s *store.Store) {
	ctx := context.Background()
	org := newOrg(t, s, "acme")
	repo, err := s.RegisterRepo(ctx, org, "https://git.example.com/acme/app.git")
	if err != nil {
		t.Fatal(err)
	}
	sess := Session("s1", "ann", T0)
	mirrored := SessionRecord("w1", 1, sess, repo.ID, store.SourceMirror)
	uploaded := mirrored
	uploaded.Source, uploaded.Repo = store.SourceUpload, 0

	wantStatuses(t, ingest(t, s, org, mirrored), store.Stored)
	wantStatuses(t, ingest(t, s, org, uploaded), store.Duplicate)
	wantStatuses(t, ingest(t, s, org, mirrored, uploaded), store.Duplicate, store.Duplicate)
	// Twice within one new batch.
	r2 := SessionRecord("w1", 2, Session("s2", "ann", T0.Add(time.Hour)), repo.ID, store.SourceMirror)
	wantStatuses(t, ingest(t, s, org, r2, r2), store.Stored, store.Duplicate)

	if n := countSessions(t, s, org); n != 2 {
		t.Errorf("Sessions after duplicate ingests = %d, want 2", n)
	}
	rec, err := s.Record(ctx, org, "w1", 1)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(rec.Raw, mirrored.Raw) || !bytes.Equal(rec.Sig, mirrored.Sig) {
		t.Errorf("Record(w1/1) bytes differ from what was ingested")
	}
	if rec.Hash != mirrored.Hash() || rec.Source != store.SourceMirror || rec.Repo != repo.ID {
		t.Errorf("Record(w1/1) = hash %x source %s repo %d, want %x mirror %d",
			rec.Hash, rec.Source, rec.Repo, mirrored.Hash(), repo.ID)
	}
}

func testIngestConcurrent(t *testing.T, s *store.Store) {
	org := newOrg(t, s, "acme")
	var recs []store.Incoming
	for i := range 20 {
		recs = append(recs, SessionRecord("w1", int64(i+1), Session(string(rune('a'+i)), "ann", T0), 0, store.SourceUpload))
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	counts := map[store.Status]int{}
	for range 4 {
		wg.Go(func() {
			out, err := s.Ingest(context.Background(), org, recs)
			if err != nil {
				t.Errorf("concurrent Ingest = %v", err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			for _, o := range out {
				counts[o.Status]++
			}
		})
	}
	wg.Wait()
	want := map[store.Status]int{store.Stored: 20, store.Duplicate: 60}
	if diff := cmp.Diff(want, counts); diff != "" {
		t.Errorf("outcomes of 4 concurrent ingests of 20 records (-want +got):\n%s", diff)
	}
	if n := countSessions(t, s, org); n != 20 {
		t.Errorf("Sessions = %d, want 20", n)
	}
}

func testIngestConflict(t *testing.T, s *store.Store) {
	ctx := context.Background()
	org := newOrg(t, s, "acme")
	orig := SessionRecord("w1", 1, Session("s1", "ann", T0), 0, store.SourceMirror)
	forged := Session("s1", "ann", T0)
	forged.Prompts[0].Text = "something else"
	other := SessionRecord("w1", 1, forged, 0, store.SourceUpload)

	wantStatuses(t, ingest(t, s, org, orig), store.Stored)
	out := ingest(t, s, org, other)
	wantStatuses(t, out, store.Quarantined)
	if out[0].Code != store.CodeConflict || out[0].Writer != "w1" || out[0].Seq != 1 {
		t.Errorf("conflict outcome = %+v, want code %s for w1/1", out[0], store.CodeConflict)
	}
	// Within one batch: the first wins, the second is quarantined.
	a := SessionRecord("w2", 1, Session("s2", "bob", T0), 0, store.SourceUpload)
	b := SessionRecord("w2", 1, Session("s3", "bob", T0), 0, store.SourceUpload)
	wantStatuses(t, ingest(t, s, org, a, b), store.Stored, store.Quarantined)

	rec, err := s.Record(ctx, org, "w1", 1)
	if err != nil || !bytes.Equal(rec.Raw, orig.Raw) {
		t.Fatalf("Record(w1/1) after conflict = %v; stored bytes replaced", err)
	}
	d, err := s.Session(ctx, org, "s1")
	if err != nil || d.Session.Prompts[0].Text != "add a flag" {
		t.Errorf("Session(s1) after conflict = %v, prompt %q; rows replaced", err, d.Session.Prompts[0].Text)
	}
	q, err := s.Quarantined(ctx, org, 10)
	if err != nil || len(q) != 2 {
		t.Fatalf("Quarantined = %d entries, %v, want 2", len(q), err)
	}
	byHash := map[[32]byte]store.QuarantineEntry{}
	for _, e := range q {
		byHash[e.Hash] = e
	}
	e, ok := byHash[other.Hash()]
	if !ok || e.Code != store.CodeConflict || !bytes.Equal(e.Raw, other.Raw) || !bytes.Equal(e.Sig, other.Sig) ||
		e.Writer != "w1" || e.Seq != 1 || e.Reason == "" || e.Source != store.SourceUpload {
		t.Errorf("quarantine entry of the conflicting record = %+v", e)
	}
	// Quarantining the same record again stores it once.
	ingest(t, s, org, other)
	if q, _ := s.Quarantined(ctx, org, 10); len(q) != 2 {
		t.Errorf("Quarantined after a repeated conflict = %d entries, want 2", len(q))
	}
}

func testIngestMalformed(t *testing.T, s *store.Store) {
	ctx := context.Background()
	org := newOrg(t, s, "acme")
	good := SessionRecord("w1", 1, Session("s1", "ann", T0), 0, store.SourceUpload)
	bad := []store.Incoming{
		{Raw: []byte("not json"), Source: store.SourceUpload},
		{Raw: Envelope("session", "", 1, T0, Session("x", "a", T0)), Source: store.SourceUpload},
		{Raw: Envelope("session", "w1", 0, T0, Session("x", "a", T0)), Source: store.SourceUpload},
		{Raw: Envelope("Bad Type", "w1", 5, T0, map[string]string{}), Source: store.SourceUpload},
		{Raw: Envelope("session", "w1", 6, T0, map[string]any{"id": 7}), Source: store.SourceUpload},
		{Raw: Envelope("commit", "w1", 7, T0, map[string]any{}), Source: store.SourceUpload},
	}
	out := ingest(t, s, org, append(bad, good)...)
	for i, o := range out[:len(bad)] {
		if o.Status != store.Quarantined || o.Code != store.CodeMalformed {
			t.Errorf("malformed record %d: outcome %+v, want quarantined as %s", i, o, store.CodeMalformed)
		}
	}
	if out[len(bad)].Status != store.Stored {
		t.Errorf("good record after malformed ones: %+v, want stored", out[len(bad)])
	}
	if q, _ := s.Quarantined(ctx, org, 100); len(q) != len(bad) {
		t.Errorf("Quarantined = %d entries, want %d", len(q), len(bad))
	}
}

// testOtherTypes checks that a record of a type the store does not decode
// (an override record) is stored as is, without rows.
func testOtherTypes(t *testing.T, s *store.Store) {
	ctx := context.Background()
	org := newOrg(t, s, "acme")
	raw := Envelope("override", "w1", 1, T0, map[string]any{"check": "server-unreachable",
		"reason": "offline", "commits": []string{"c1"}})
	list := Envelope("future-type", "w1", 2, T0, []int{1, 2})
	out := ingest(t, s, org, store.Incoming{Raw: raw, Sig: Sig("w1", raw), Source: store.SourceUpload},
		store.Incoming{Raw: list, Sig: Sig("w1", list), Source: store.SourceUpload})
	wantStatuses(t, out, store.Stored, store.Stored)
	rec, err := s.Record(ctx, org, "w1", 1)
	if err != nil || rec.Type != "override" || !bytes.Equal(rec.Raw, raw) {
		t.Errorf("Record(w1/1) = %+v, %v, want the override record", rec, err)
	}
	if n := countSessions(t, s, org); n != 0 {
		t.Errorf("an override record made %d sessions", n)
	}
}

func testQuarantine(t *testing.T, s *store.Store) {
	ctx := context.Background()
	org := newOrg(t, s, "acme")
	rec := SessionRecord("w9", 3, Session("s1", "ann", T0), 0, store.SourceMirror)
	for range 2 {
		if err := s.Quarantine(ctx, org, rec, store.CodeForged, "signature does not verify"); err != nil {
			t.Fatalf("Quarantine = %v", err)
		}
	}
	if err := s.Quarantine(ctx, org, rec, store.CodeUnknownKey, "no key w9"); err != nil {
		t.Fatal(err)
	}
	q, err := s.Quarantined(ctx, org, 10)
	if err != nil || len(q) != 2 {
		t.Fatalf("Quarantined = %d, %v, want 2 (one per code)", len(q), err)
	}
	for _, e := range q {
		if e.Writer != "w9" || e.Seq != 3 || !bytes.Equal(e.Raw, rec.Raw) || e.ReceivedAt.IsZero() {
			t.Errorf("quarantine entry = %+v", e)
		}
	}
	if n := countSessions(t, s, org); n != 0 {
		t.Errorf("a quarantined record made %d sessions", n)
	}
	if _, err := s.Record(ctx, org, "w9", 3); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Record of a quarantined record = %v, want ErrNotFound", err)
	}
}

func testIngestAtomic(t *testing.T, s *store.Store) {
	ctx := context.Background()
	org := newOrg(t, s, "acme")
	boom := errors.New("boom")
	err := s.InTx(ctx, func(ctx context.Context) error {
		recs := []store.Incoming{SessionRecord("w1", 1, Session("s1", "ann", T0), 0, store.SourceUpload)}
		if _, err := s.Ingest(ctx, org, recs); err != nil {
			t.Errorf("Ingest in a transaction = %v", err)
		}
		if ss, err := s.Sessions(ctx, org, store.Filter{}); err != nil || len(ss) != 1 {
			t.Errorf("Sessions inside the transaction = %d, %v; want its own write", len(ss), err)
		}
		if n := countSessions(t, s, org); n != 0 {
			t.Errorf("uncommitted session visible outside the transaction")
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx = %v, want boom", err)
	}
	if n := countSessions(t, s, org); n != 0 {
		t.Errorf("Sessions after a rolled-back ingest = %d, want 0", n)
	}
	// A batch that fails part way stores nothing: repo 999 does not exist.
	_, err = s.Ingest(ctx, org, []store.Incoming{
		SessionRecord("w1", 1, Session("s1", "ann", T0), 0, store.SourceUpload),
		SessionRecord("w1", 2, Session("s2", "ann", T0), 999, store.SourceUpload),
	})
	if err == nil {
		t.Fatalf("Ingest with an unknown repository = nil, want error")
	}
	if _, err := s.Record(ctx, org, "w1", 1); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Record(w1/1) after a failed batch = %v, want ErrNotFound", err)
	}
}

var sessionOpts = cmp.Options{cmpopts.EquateEmpty(), cmpopts.EquateApproxTime(time.Microsecond)}

func testSessionRoundTrip(t *testing.T, s *store.Store) {
	ctx := context.Background()
	org := newOrg(t, s, "acme")
	sess := Session("s1", "ann", T0)
	rec := SessionRecord("w1", 1, sess, 0, store.SourceUpload)
	ingest(t, s, org, rec)
	d, err := s.Session(ctx, org, "s1")
	if err != nil {
		t.Fatalf("Session(s1) = %v", err)
	}
	if diff := cmp.Diff(sess, d.Session, sessionOpts); diff != "" {
		t.Errorf("Session(s1).Session (-ingested +read):\n%s", diff)
	}
	if !bytes.Equal(d.Record.Raw, rec.Raw) {
		t.Errorf("Session(s1).Record.Raw differs from the ingested bytes")
	}
	want := store.SessionSummary{
		ID: "s1", Record: store.RecordRef{Writer: "w1", Seq: 1}, Agent: sess.Agent,
		AgentVersion: "2.1.0", Author: sess.Author, Branch: "main", HeadAtStart: "abc123",
		StartedAt: T0, EndedAt: T0.Add(30 * time.Minute), Ended: true, Evidence: "hooks",
		Models: sess.Models, Prompts: 2, ToolCalls: 3, Edits: 3, AILinesAdded: 40, HumanLinesAdded: 3,
		Tokens: sess.Total.Tokens,
	}
	if diff := cmp.Diff(want, d.SessionSummary, sessionOpts); diff != "" {
		t.Errorf("Session(s1) summary (-want +got):\n%s", diff)
	}
	kinds := []string{}
	for _, e := range d.Events {
		kinds = append(kinds, e.Kind+":"+e.Name)
	}
	wantKinds := []string{"prompt:", "tool_call:Edit", "tool_call:Bash", "denial:Bash", "prompt:", "tool_call:Write"}
	if diff := cmp.Diff(wantKinds, kinds); diff != "" {
		t.Errorf("Session(s1).Events in time order (-want +got):\n%s", diff)
	}
	wantEdits := append([]capture.FileEdit(nil), sess.Edits...)
	for i := range wantEdits {
		wantEdits[i].Diff = ""
	}
	if diff := cmp.Diff(wantEdits, d.FileChanges, sessionOpts); diff != "" {
		t.Errorf("Session(s1).FileChanges (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(sess.Usage, d.Usage, sessionOpts); diff != "" {
		t.Errorf("Session(s1).Usage (-want +got):\n%s", diff)
	}
	if _, err := s.Session(ctx, org, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Session(nope) = %v, want ErrNotFound", err)
	}
}

func testSessionLatestWins(t *testing.T, s *store.Store) {
	ctx := context.Background()
	org := newOrg(t, s, "acme")
	v1 := Session("s1", "ann", T0)
	v1.Ended, v1.Prompts = false, v1.Prompts[:1]
	v2 := Session("s1", "ann", T0)
	v3 := Session("s1", "ann", T0)
	v3.Prompts = append(v3.Prompts, capture.Prompt{Time: T0.Add(25 * time.Minute), Text: "third"})

	// v2 arrives first, then the older v1: v2 stays.
	ingest(t, s, org, SessionRecord("w1", 2, v2, 0, store.SourceMirror))
	ingest(t, s, org, SessionRecord("w1", 1, v1, 0, store.SourceMirror))
	d, err := s.Session(ctx, org, "s1")
	if err != nil || d.Record.Seq != 2 || d.Prompts != 2 || !d.Ended {
		t.Fatalf("Session(s1) after an older record = seq %d prompts %d ended %v, %v; want the newer record's rows",
			d.Record.Seq, d.Prompts, d.Ended, err)
	}
	// v3 replaces v2, children included.
	ingest(t, s, org, SessionRecord("w1", 3, v3, 0, store.SourceMirror))
	d, err = s.Session(ctx, org, "s1")
	if err != nil || d.Record.Seq != 3 || d.Prompts != 3 {
		t.Fatalf("Session(s1) after a newer record = seq %d prompts %d, %v; want seq 3, 3 prompts", d.Record.Seq, d.Prompts, err)
	}
	prompts := 0
	for _, e := range d.Events {
		if e.Kind == store.EventPrompt {
			prompts++
		}
	}
	if prompts != 3 || len(d.FileChanges) != 3 || len(d.Usage) != 2 {
		t.Errorf("Session(s1) rows = %d prompts, %d file changes, %d usage; want 3, 3, 2 (replaced, not added)",
			prompts, len(d.FileChanges), len(d.Usage))
	}
	// All three records are kept.
	for seq := int64(1); seq <= 3; seq++ {
		if _, err := s.Record(ctx, org, "w1", seq); err != nil {
			t.Errorf("Record(w1/%d) = %v", seq, err)
		}
	}
	// In one batch, the newest wins.
	a := Session("s2", "bob", T0)
	b := Session("s2", "bob", T0)
	b.Branch = "feature"
	ingest(t, s, org, SessionRecord("w2", 2, b, 0, store.SourceMirror), SessionRecord("w2", 1, a, 0, store.SourceMirror))
	if d, err := s.Session(ctx, org, "s2"); err != nil || d.Branch != "feature" {
		t.Errorf("Session(s2) from one batch = branch %q, %v; want the newer record's", d.Branch, err)
	}
}
