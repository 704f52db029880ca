package storetest

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tracevault/tracevault/server/store"
)

func testAPIKeys(t *testing.T, s *store.Store) {
	ctx := context.Background()
	org := newOrg(t, s, "acme")
	token, key, err := s.CreateAPIKey(ctx, org, "ci", store.RoleUploader)
	if err != nil {
		t.Fatalf("CreateAPIKey = %v", err)
	}
	if !strings.HasPrefix(token, store.APIKeyPrefix+key.ID+"_") {
		t.Errorf("token %q does not start with %q", token, store.APIKeyPrefix+key.ID+"_")
	}
	p, err := s.VerifyAPIKey(ctx, token)
	if err != nil {
		t.Fatalf("VerifyAPIKey(token) = %v", err)
	}
	if diff := cmp.Diff(&store.Principal{Org: org, KeyID: key.ID, Role: store.RoleUploader}, p); diff != "" {
		t.Errorf("VerifyAPIKey (-want +got):\n%s", diff)
	}
	last := token[len(token)-1]
	flipped := token[:len(token)-1] + string(rune('A'+(last-'A'+1)%26))
	for name, bad := range map[string]string{
		"wrong secret": flipped,
		"empty":        "",
		"no prefix":    strings.TrimPrefix(token, store.APIKeyPrefix),
		"unknown id":   store.APIKeyPrefix + "0000000000000000_" + token[len(store.APIKeyPrefix)+17:],
		"truncated":    token[:len(token)-4],
	} {
		if _, err := s.VerifyAPIKey(ctx, bad); !errors.Is(err, store.ErrUnauthorized) {
			t.Errorf("VerifyAPIKey(%s) = %v, want ErrUnauthorized", name, err)
		}
	}
	keys, err := s.APIKeys(ctx, org)
	if err != nil || len(keys) != 1 || keys[0].ID != key.ID || keys[0].Name != "ci" || keys[0].LastUsedAt.IsZero() {
		t.Errorf("APIKeys = %+v, %v; want the key, used", keys, err)
	}
	if err := s.RevokeAPIKey(ctx, org, key.ID); err != nil {
		t.Fatalf("RevokeAPIKey = %v", err)
	}
	if _, err := s.VerifyAPIKey(ctx, token); !errors.Is(err, store.ErrUnauthorized) {
		t.Errorf("VerifyAPIKey after revocation = %v, want ErrUnauthorized", err)
	}
	if err := s.RevokeAPIKey(ctx, org, "ffffffffffffffff"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RevokeAPIKey(unknown) = %v, want ErrNotFound", err)
	}
}

func testVerdicts(t *testing.T, s *store.Store) {
	ctx := context.Background()
	org := newOrg(t, s, "acme")
	v1 := store.Verdict{Commit: "c1", Policy: "default", Outcome: "fail",
		Canonical: []byte(`{"decision":"fail","rules":[{"id":"max-ai","ok":false}]}`)}
	id1, err := s.PutVerdict(ctx, org, v1)
	if err != nil {
		t.Fatalf("PutVerdict = %v", err)
	}
	if again, err := s.PutVerdict(ctx, org, v1); err != nil || again != id1 {
		t.Errorf("PutVerdict(same bytes) = %d, %v, want %d", again, err, id1)
	}
	v2 := v1
	v2.Outcome, v2.Canonical = "pass", []byte(`{"decision":"pass"}`)
	if _, err := s.PutVerdict(ctx, org, v2); err != nil {
		t.Fatal(err)
	}
	vs, err := s.Verdicts(ctx, org, "c1")
	if err != nil || len(vs) != 2 {
		t.Fatalf("Verdicts(c1) = %d, %v, want 2", len(vs), err)
	}
	if !bytes.Equal(vs[0].Canonical, v1.Canonical) || vs[1].Outcome != "pass" || vs[0].Policy != "default" {
		t.Errorf("Verdicts(c1) = %+v, want v1 then v2, bytes verbatim", vs)
	}
}

func testRepos(t *testing.T, s *store.Store) {
	ctx := context.Background()
	org := newOrg(t, s, "acme")
	url := "https://example.com/app.git"
	r, err := s.RegisterRepo(ctx, org, url)
	if err != nil {
		t.Fatalf("RegisterRepo = %v", err)
	}
	if again, err := s.RegisterRepo(ctx, org, url); err != nil || again.ID != r.ID {
		t.Errorf("RegisterRepo(again) = %+v, %v, want ID %d", again, err, r.ID)
	}
	if rs, err := s.Repos(ctx, org); err != nil || len(rs) != 1 || rs[0].URL != url {
		t.Errorf("Repos = %+v, %v", rs, err)
	}
	const log, notes = "refs/tracevault/log/w1", "refs/notes/tracevault"
	err = s.UpdateRefTips(ctx, org, r.ID, []store.RefUpdate{{Ref: log, New: "a1"}, {Ref: notes, New: "n1"}})
	if err != nil {
		t.Fatalf("UpdateRefTips(new) = %v", err)
	}
	err = s.UpdateRefTips(ctx, org, r.ID, []store.RefUpdate{{Ref: log, Old: "a1", New: "a2"}, {Ref: notes, Old: "stale", New: "n2"}})
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("UpdateRefTips(stale old) = %v, want ErrConflict", err)
	}
	if err := s.UpdateRefTips(ctx, org, r.ID, []store.RefUpdate{{Ref: log, New: "again"}}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("UpdateRefTips(create existing) = %v, want ErrConflict", err)
	}
	tips, err := s.RefTips(ctx, org, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, tip := range tips {
		got[tip.Ref] = tip.Tip
	}
	if diff := cmp.Diff(map[string]string{log: "a1", notes: "n1"}, got); diff != "" {
		t.Errorf("RefTips after a failed CAS (-want +got):\n%s", diff)
	}
}

func testWriters(t *testing.T, s *store.Store) {
	ctx := context.Background()
	org := newOrg(t, s, "acme")
	w := store.Writer{ID: "w1", PublicKey: "ssh-ed25519 AAAA", Name: "Ann", Email: "ann@example.com"}
	if err := s.RegisterWriter(ctx, org, w); err != nil {
		t.Fatalf("RegisterWriter = %v", err)
	}
	if err := s.RegisterWriter(ctx, org, w); err != nil {
		t.Errorf("RegisterWriter(same key) = %v", err)
	}
	other := w
	other.PublicKey = "ssh-ed25519 BBBB"
	if err := s.RegisterWriter(ctx, org, other); !errors.Is(err, store.ErrConflict) {
		t.Errorf("RegisterWriter(other key) = %v, want ErrConflict", err)
	}
	got, err := s.Writer(ctx, org, "w1")
	if err != nil || got.PublicKey != w.PublicKey || got.Email != w.Email || !got.RevokedAt.IsZero() {
		t.Fatalf("Writer(w1) = %+v, %v", got, err)
	}
	if err := s.RevokeWriter(ctx, org, "w1"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Writer(ctx, org, "w1"); got.RevokedAt.IsZero() {
		t.Errorf("Writer(w1) after RevokeWriter is not revoked")
	}
}

func testOrgs(t *testing.T, s *store.Store) {
	ctx := context.Background()
	if _, err := s.CreateOrg(ctx, "acme", "Acme"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateOrg(ctx, "acme", "Acme"); err != nil {
		t.Errorf("CreateOrg(same) = %v", err)
	}
	if _, err := s.CreateOrg(ctx, "acme", "Other"); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateOrg(other name) = %v, want ErrConflict", err)
	}
	for _, bad := range []string{"", "-x", "Acme", "a b", "a'; DROP TABLE orgs; --"} {
		if _, err := s.CreateOrg(ctx, bad, "x"); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("CreateOrg(%q) = %v, want ErrInvalid", bad, err)
		}
	}
	if _, err := s.Org(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Org(nope) = %v, want ErrNotFound", err)
	}
	if _, err := s.Ingest(ctx, "nope", []store.Incoming{SessionRecord("w1", 1, Session("s", "a", T0), 0, store.SourceUpload)}); err == nil {
		t.Errorf("Ingest for an unknown org = nil, want error")
	}
}
