package gitcli_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/tracevault/tracevault/gitstore"
	"github.com/tracevault/tracevault/gitstore/gitcli"
	"github.com/tracevault/tracevault/gitstore/storetest"
	"github.com/tracevault/tracevault/internal/testutil"
)

const logRef = "refs/tracevault/log/w1"

func newBare(t *testing.T) string {
	t.Helper()
	bare := filepath.Join(t.TempDir(), "remote.git")
	testutil.Git(t, t.TempDir(), "init", "-q", "--bare", bare)
	return bare
}

func TestPushFetch(t *testing.T) {
	bare := newBare(t)
	a, b := open(t, testutil.NewRepo(t)), open(t, testutil.NewRepo(t))
	// A pre-push hook that fails: internal pushes must not run it.
	hook := filepath.Join(a.GitDir(), "hooks", "pre-push")
	if err := os.WriteFile(hook, []byte("#!/bin/sh\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := storetest.AppendWithRetry(ctx, a, logRef, "from a\n"); err != nil {
			t.Fatal(err)
		}
	}
	res, err := a.Push(ctx, bare, []string{logRef + ":" + logRef}, gitstore.PushOptions{Atomic: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Status != gitstore.PushOK || res[0].Remote != logRef {
		t.Errorf("Push results = %+v, want one ok result for %s", res, logRef)
	}
	res, err = a.Push(ctx, bare, []string{logRef + ":" + logRef}, gitstore.PushOptions{})
	if err != nil || len(res) != 1 || res[0].Status != gitstore.PushUpToDate {
		t.Errorf("second Push = %+v, %v; want up-to-date", res, err)
	}

	// b fetches into a tracking ref.
	tracking := "refs/tracevault-remote/origin/log/w1"
	if err := b.Fetch(ctx, bare, []string{"+" + logRef + ":" + tracking}, gitstore.FetchOptions{AllowForce: true}); err != nil {
		t.Fatal(err)
	}
	want, _ := a.ResolveRef(ctx, logRef)
	if got, err := b.ResolveRef(ctx, tracking); err != nil || got != want {
		t.Errorf("tracking ref = %s, %v; want %s", got, err, want)
	}

	// b writes a diverging history and pushes: rejected, retryable.
	if _, err := storetest.AppendWithRetry(ctx, b, logRef, "from b\n"); err != nil {
		t.Fatal(err)
	}
	res, err = b.Push(ctx, bare, []string{logRef + ":" + logRef}, gitstore.PushOptions{})
	if !errors.Is(err, gitstore.ErrPushRejected) {
		t.Fatalf("diverging Push = %v, want ErrPushRejected", err)
	}
	if len(res) != 1 || res[0].Status != gitstore.PushRejected || res[0].Reason != "non-fast-forward" || !res[0].Retryable() {
		t.Errorf("diverging Push results = %+v, want rejected (non-fast-forward)", res)
	}
	var ge *gitstore.GitError
	if !errors.As(err, &ge) || ge.ExitCode != 1 {
		t.Errorf("diverging Push error %v does not carry the GitError", err)
	}
}

func TestPushRemoteRejected(t *testing.T) {
	bare := newBare(t)
	hook := filepath.Join(bare, "hooks", "pre-receive")
	if err := os.WriteFile(hook, []byte("#!/bin/sh\necho policy says no >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	a := open(t, testutil.NewRepo(t))
	if _, err := storetest.AppendWithRetry(ctx, a, logRef, "x\n"); err != nil {
		t.Fatal(err)
	}
	res, err := a.Push(ctx, bare, []string{logRef + ":" + logRef}, gitstore.PushOptions{})
	if err == nil || errors.Is(err, gitstore.ErrPushRejected) {
		t.Fatalf("Push to declining remote = %v, want a non-retryable error", err)
	}
	if len(res) != 1 || res[0].Status != gitstore.PushRemoteRejected || res[0].Retryable() {
		t.Errorf("results = %+v, want remote-rejected, not retryable", res)
	}
}

func TestRefspecPolicy(t *testing.T) {
	s := open(t, testutil.NewRepo(t))
	bare := newBare(t)
	for _, rs := range []string{"+refs/tracevault/a:refs/tracevault/a", "+refs/x:refs/y", "refs/x*:refs/y", "-f", "refs/a b:refs/c"} {
		if err := s.Fetch(ctx, bare, []string{rs}, gitstore.FetchOptions{}); !errors.Is(err, gitstore.ErrInvalidRef) {
			t.Errorf("Fetch(%q) = %v, want ErrInvalidRef", rs, err)
		}
	}
	if err := s.Fetch(ctx, bare, []string{"+refs/x:refs/x"}, gitstore.FetchOptions{AllowForce: true}); !errors.Is(err, gitstore.ErrInvalidRef) {
		t.Errorf("forced fetch onto its own name = %v, want ErrInvalidRef", err)
	}
	for _, rs := range []string{"+refs/x:refs/x", ":refs/x"} {
		if _, err := s.Push(ctx, bare, []string{rs}, gitstore.PushOptions{}); !errors.Is(err, gitstore.ErrInvalidRef) {
			t.Errorf("Push(%q) = %v, want ErrInvalidRef", rs, err)
		}
	}
	if err := s.Fetch(ctx, "--upload-pack=evil", []string{"refs/x:refs/y"}, gitstore.FetchOptions{}); !errors.Is(err, gitstore.ErrInvalidRef) {
		t.Errorf("Fetch from an option-like remote = %v, want ErrInvalidRef", err)
	}
}

func TestParsePushPorcelain(t *testing.T) {
	out := "To /tmp/remote.git\n" +
		" \trefs/a:refs/a\t1111111..2222222\n" +
		"*\trefs/b:refs/b\t[new reference]\n" +
		"=\trefs/c:refs/c\t[up to date]\n" +
		"!\trefs/d:refs/d\t[rejected] (non-fast-forward)\n" +
		"!\trefs/e:refs/e\t[remote rejected] (cannot lock ref 'refs/e': is at 1 but expected 2)\n" +
		"!\trefs/f:refs/f\t[remote failure] (remote failed to report status)\n" +
		"Done\n"
	res, err := gitcli.ParsePushPorcelain([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		status    gitstore.PushStatus
		reason    string
		retryable bool
	}{
		{gitstore.PushOK, "", false}, {gitstore.PushOK, "", false}, {gitstore.PushUpToDate, "", false},
		{gitstore.PushRejected, "non-fast-forward", true},
		{gitstore.PushRemoteRejected, "cannot lock ref 'refs/e': is at 1 but expected 2", true},
		{gitstore.PushError, "remote failed to report status", false},
	}
	if len(res) != len(want) {
		t.Fatalf("ParsePushPorcelain: %d results, want %d", len(res), len(want))
	}
	for i, w := range want {
		if r := res[i]; r.Status != w.status || r.Reason != w.reason || r.Retryable() != w.retryable {
			t.Errorf("result %d = %+v (retryable %v), want %v %q %v", i, r, r.Retryable(), w.status, w.reason, w.retryable)
		}
	}
	for _, bad := range []string{"x\trefs/a:refs/a\tok\n", " refs/a:refs/a\n", " \trefs/a\tok\n"} {
		if _, err := gitcli.ParsePushPorcelain([]byte(bad)); err == nil {
			t.Errorf("ParsePushPorcelain(%q) succeeded, want error", bad)
		}
	}
}

func FuzzParsePushPorcelain(f *testing.F) {
	f.Add([]byte("To x\n \trefs/a:refs/a\t1..2\n!\trefs/d:refs/d\t[rejected] (fetch first)\nDone\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := gitcli.ParsePushPorcelain(b)
		if err != nil {
			return
		}
		for _, r := range res {
			if r.Status == "" {
				t.Fatalf("result without status: %+v", r)
			}
		}
	})
}
