package check

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tracevault/tracevault/policy"
	"github.com/tracevault/tracevault/policy/policyfile"
)

// ServerChecker asks a TraceVault server for its verdict on a range of
// commits about to be pushed. When a server is configured (git config
// tracevault.server), its verdict is the one that counts: it holds the
// organisation's and the repository's policies. The local engine judges a
// push only when the server cannot be reached and the user overrides (see
// the package documentation).
type ServerChecker interface {
	// CheckRange returns the server's verdict on in for the repository
	// whose remote URL is repo. It must return an error wrapping
	// [ErrServerUnreachable] when it got no usable answer (network error,
	// timeout, a non-2xx status, a body it cannot use), and must not
	// return a verdict it did not get from the server.
	CheckRange(ctx context.Context, repo string, in policy.RangeInput) (policy.Verdict, error)
}

// ErrServerUnreachable is wrapped by [ServerChecker] errors when the
// server gave no usable answer.
var ErrServerUnreachable = errors.New("server unreachable")

// httpChecker is the ServerChecker over the server's HTTP API (the
// server itself comes with its own issue). It fetches the effective policy
// for the repository, GET <server>/api/v1/policy?repo=<remote url>, which
// answers 200 with the policy source (YAML or canonical JSON), and
// evaluates it with the one engine, so the verdict bytes are the ones the
// server would compute for the same input.
type httpChecker struct {
	base   string
	client *http.Client
}

func newHTTPChecker(base string, timeout time.Duration) *httpChecker {
	return &httpChecker{base: strings.TrimRight(base, "/"), client: &http.Client{Timeout: timeout}}
}

func (h *httpChecker) CheckRange(ctx context.Context, repo string, in policy.RangeInput) (policy.Verdict, error) {
	u := h.base + "/api/v1/policy?repo=" + url.QueryEscape(repo)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return policy.Verdict{}, fmt.Errorf("%w: %v", ErrServerUnreachable, err)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return policy.Verdict{}, fmt.Errorf("%w: %v", ErrServerUnreachable, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return policy.Verdict{}, fmt.Errorf("%w: reading %s: %v", ErrServerUnreachable, u, err)
	}
	if resp.StatusCode/100 != 2 {
		return policy.Verdict{}, fmt.Errorf("%w: GET %s: %s", ErrServerUnreachable, u, resp.Status)
	}
	p, err := policyfile.Compile(body)
	if err != nil {
		return policy.Verdict{}, fmt.Errorf("%w: the server's policy does not compile: %v", ErrServerUnreachable, err)
	}
	return p.EvaluateCommits(in), nil
}
