package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tracevault/tracevault/server/store"
)

func testCommitRoundTrip(t *testing.T, s *store.Store) {
	ctx := context.Background()
	org := newOrg(t, s, "acme")
	repo, _ := s.RegisterRepo(ctx, org, "https://example.com/app.git")
	c := Commit("c1", "s1", 30, 10)
	ingest(t, s, org, CommitRecord("w1", 1, c, T0, repo.ID))
	got, err := s.Commit(ctx, org, "c1")
	if err != nil {
		t.Fatalf("Commit(c1) = %v", err)
	}
	want := &store.Commit{
		CommitSummary: store.CommitSummary{SHA: "c1", Record: store.RecordRef{Writer: "w1", Seq: 1},
			RecordedAt: T0, Repo: repo.ID, Parent: "pc1", Evidence: "hooks", AILines: 30, HumanLines: 10},
		RewrittenFrom: c.RewrittenFrom, Sessions: c.Sessions, Files: c.Files,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Commit(c1) (-want +got):\n%s", diff)
	}
	if p := got.AIPercent(); p != 75 {
		t.Errorf("AIPercent = %v, want 75", p)
	}
	// A newer record of the same commit replaces its rows.
	c2 := Commit("c1", "s1", 10, 10)
	c2.Files = c2.Files[:1]
	ingest(t, s, org, CommitRecord("w1", 2, c2, T0.Add(time.Minute), repo.ID))
	got, err = s.Commit(ctx, org, "c1")
	if err != nil || got.AILines != 10 || len(got.Files) != 1 || got.Record.Seq != 2 {
		t.Errorf("Commit(c1) after a newer record = %+v, %v", got, err)
	}
	if _, err := s.Commit(ctx, org, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Commit(nope) = %v, want ErrNotFound", err)
	}
}

func testRepoFilled(t *testing.T, s *store.Store) {
	ctx := context.Background()
	org := newOrg(t, s, "acme")
	rec := SessionRecord("w1", 1, Session("s1", "ann", T0), 0, store.SourceUpload)
	ingest(t, s, org, rec)
	repo, _ := s.RegisterRepo(ctx, org, "https://example.com/app.git")
	rec.Repo, rec.Source = repo.ID, store.SourceMirror
	wantStatuses(t, ingest(t, s, org, rec), store.Duplicate)
	ss, err := s.Sessions(ctx, org, store.Filter{Repo: repo.ID})
	if err != nil || len(ss) != 1 {
		t.Errorf("Sessions(repo) after the mirror delivered an uploaded record = %d, %v, want 1", len(ss), err)
	}
}

// seedQueries stores, for org: ann's sessions a1 (day 0, repo r1) and a2
// (day 1, repo r2), bob's b1 (day 2, repo r1), and commits c1 (day 0,
// 30/10) and c2 (day 2, 0/20) in r1.
func seedQueries(t *testing.T, s *store.Store, org string) (r1, r2 int64) {
	ctx := context.Background()
	repo1, _ := s.RegisterRepo(ctx, org, "https://example.com/one.git")
	repo2, _ := s.RegisterRepo(ctx, org, "https://example.com/two.git")
	day := 24 * time.Hour
	ingest(t, s, org,
		SessionRecord("w1", 1, Session("a1", "ann", T0), repo1.ID, store.SourceMirror),
		SessionRecord("w1", 2, Session("a2", "ann", T0.Add(day)), repo2.ID, store.SourceMirror),
		SessionRecord("w2", 1, Session("b1", "bob", T0.Add(2*day)), repo1.ID, store.SourceUpload),
		CommitRecord("w1", 3, Commit("c1", "a1", 30, 10), T0.Add(time.Hour), repo1.ID),
		CommitRecord("w2", 2, Commit("c2", "b1", 0, 20), T0.Add(2*day+time.Hour), repo1.ID),
	)
	return repo1.ID, repo2.ID
}

func sessionIDs(ss []store.SessionSummary) []string {
	var ids []string
	for _, s := range ss {
		ids = append(ids, s.ID)
	}
	return ids
}

func testQueries(t *testing.T, s *store.Store) {
	ctx := context.Background()
	org := newOrg(t, s, "acme")
	r1, _ := seedQueries(t, s, org)
	day := 24 * time.Hour
	for _, tc := range []struct {
		name string
		f    store.Filter
		want []string
	}{
		{"all", store.Filter{}, []string{"b1", "a2", "a1"}},
		{"repo", store.Filter{Repo: r1}, []string{"b1", "a1"}},
		{"author", store.Filter{Author: "ann@example.com"}, []string{"a2", "a1"}},
		{"since", store.Filter{Since: T0.Add(day)}, []string{"b1", "a2"}},
		{"until", store.Filter{Until: T0.Add(day)}, []string{"a1"}},
		{"limit", store.Filter{Limit: 1}, []string{"b1"}},
		{"agent", store.Filter{Agent: "codex"}, nil},
	} {
		ss, err := s.Sessions(ctx, org, tc.f)
		if err != nil {
			t.Fatalf("Sessions(%s) = %v", tc.name, err)
		}
		if diff := cmp.Diff(tc.want, sessionIDs(ss)); diff != "" {
			t.Errorf("Sessions(%s) (-want +got):\n%s", tc.name, diff)
		}
	}

	models, err := s.ModelTotals(ctx, org, store.Filter{Repo: r1})
	if err != nil {
		t.Fatalf("ModelTotals = %v", err)
	}
	wantModels := []store.ModelTotal{
		{Model: "claude-sonnet-4-5", Requests: 8, Sessions: 2, CostUSD: 0.5},
		{Model: "local-llm", Requests: 2, Sessions: 2, Unpriced: 2},
	}
	wantModels[0].Input, wantModels[0].Output, wantModels[0].CacheRead, wantModels[0].CacheWrite5m = 2000, 400, 10000, 200
	wantModels[1].Input, wantModels[1].Output = 100, 20
	if diff := cmp.Diff(wantModels, models); diff != "" {
		t.Errorf("ModelTotals(repo) (-want +got):\n%s", diff)
	}

	authors, err := s.AuthorTotals(ctx, org, store.Filter{})
	if err != nil {
		t.Fatalf("AuthorTotals = %v", err)
	}
	if len(authors) != 2 || authors[0].Author.Email != "ann@example.com" || authors[0].Sessions != 2 ||
		authors[0].Prompts != 4 || authors[0].AILinesAdded != 80 || authors[0].HumanLinesAdded != 6 ||
		authors[0].Input != 2100 || authors[0].Unpriced != 2 || authors[1].Author.Name != "Dev bob" {
		t.Errorf("AuthorTotals = %+v", authors)
	}

	commits, err := s.Commits(ctx, org, store.Filter{Repo: r1})
	if err != nil {
		t.Fatalf("Commits = %v", err)
	}
	var got []string
	var pct []float64
	for _, c := range commits {
		got = append(got, c.SHA)
		pct = append(pct, c.AIPercent())
	}
	if diff := cmp.Diff([]string{"c2", "c1"}, got); diff != "" {
		t.Errorf("Commits(repo) (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]float64{0, 75}, pct); diff != "" {
		t.Errorf("Commits(repo) AI%% (-want +got):\n%s", diff)
	}
	if c, _ := s.Commits(ctx, org, store.Filter{Until: T0.Add(day)}); len(c) != 1 || c[0].SHA != "c1" {
		t.Errorf("Commits(until day 1) = %+v, want c1", c)
	}
}

// testOrgIsolation fills org acme and checks that globex reaches none of
// it through any method.
func testOrgIsolation(t *testing.T, s *store.Store) {
	ctx := context.Background()
	acme, globex := newOrg(t, s, "acme"), newOrg(t, s, "globex")
	r1, _ := seedQueries(t, s, acme)
	s.Quarantine(ctx, acme, SessionRecord("w9", 1, Session("q", "x", T0), 0, store.SourceUpload), store.CodeForged, "x")
	s.PutVerdict(ctx, acme, store.Verdict{Commit: "c1", Outcome: "pass", Canonical: []byte(`{}`)})
	s.RegisterWriter(ctx, acme, store.Writer{ID: "w1", PublicKey: "k1"})
	s.UpdateRefTips(ctx, acme, r1, []store.RefUpdate{{Ref: "refs/tracevault/log/w1", New: "t1"}})
	_, key, _ := s.CreateAPIKey(ctx, acme, "ci", store.RoleUploader)

	notFound := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("globex %s = %v, want ErrNotFound", what, err)
		}
	}
	_, err := s.Session(ctx, globex, "a1")
	notFound("Session(a1)", err)
	_, err = s.Record(ctx, globex, "w1", 1)
	notFound("Record(w1/1)", err)
	_, err = s.Commit(ctx, globex, "c1")
	notFound("Commit(c1)", err)
	_, err = s.Writer(ctx, globex, "w1")
	notFound("Writer(w1)", err)
	_, err = s.RefTips(ctx, globex, r1)
	notFound("RefTips(acme's repo)", err)
	notFound("RevokeAPIKey(acme's key)", s.RevokeAPIKey(ctx, globex, key.ID))
	notFound("RevokeWriter(w1)", s.RevokeWriter(ctx, globex, "w1"))

	empty := func(what string, n int, err error) {
		t.Helper()
		if err != nil || n != 0 {
			t.Errorf("globex %s = %d rows, %v, want none", what, n, err)
		}
	}
	for _, f := range []store.Filter{{}, {Repo: r1}} {
		ss, err := s.Sessions(ctx, globex, f)
		empty("Sessions", len(ss), err)
		ms, err := s.ModelTotals(ctx, globex, f)
		empty("ModelTotals", len(ms), err)
		as, err := s.AuthorTotals(ctx, globex, f)
		empty("AuthorTotals", len(as), err)
		cs, err := s.Commits(ctx, globex, f)
		empty("Commits", len(cs), err)
	}
	q, err := s.Quarantined(ctx, globex, 10)
	empty("Quarantined", len(q), err)
	vs, err := s.Verdicts(ctx, globex, "c1")
	empty("Verdicts(c1)", len(vs), err)
	rs, err := s.Repos(ctx, globex)
	empty("Repos", len(rs), err)
	ks, err := s.APIKeys(ctx, globex)
	empty("APIKeys", len(ks), err)

	// globex cannot write into acme's repository or move its tips.
	if _, err := s.Ingest(ctx, globex, []store.Incoming{SessionRecord("w5", 1, Session("g1", "gus", T0), r1, store.SourceUpload)}); err == nil {
		t.Errorf("globex Ingest into acme's repository = nil, want error")
	}
	if err := s.UpdateRefTips(ctx, globex, r1, []store.RefUpdate{{Ref: "refs/x", New: "t"}}); err == nil {
		t.Errorf("globex UpdateRefTips on acme's repository = nil, want error")
	}
	// The same writer and seq in another org is another record.
	rec := SessionRecord("w1", 1, Session("a1", "ann", T0), 0, store.SourceUpload)
	wantStatuses(t, ingest(t, s, globex, rec), store.Stored)
	if d, err := s.Session(ctx, acme, "a1"); err != nil || d.Repo != r1 {
		t.Errorf("acme Session(a1) after globex stored its own a1 = %+v, %v", d, err)
	}
}
