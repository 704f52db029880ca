// Package client is the HTTP client of the tracevault-server API
// (server/api), used by the tracevault CLI. It imports only the standard
// library and server/api.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tracevault/tracevault/server/api"
)

// Error is a non-2xx answer.
type Error struct {
	Status int
	Body   api.Error
}

func (e *Error) Error() string {
	return fmt.Sprintf("server: %d %s: %s", e.Status, e.Body.Code, e.Body.Message)
}

// IsNotFound reports whether err is a 404 answer.
func IsNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == http.StatusNotFound
}

// Client talks to one server as one org.
type Client struct {
	base  *url.URL
	org   string
	token string
	http  *http.Client
}

// New returns a client of the server at baseURL (scheme and host, plus an
// optional path prefix) acting for org with the API key token.
func New(baseURL, org, token string, hc *http.Client) (*Client, error) {
	u, err := url.Parse(strings.TrimSuffix(baseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("server URL %q: want http(s)://host[:port]", baseURL)
	}
	if hc == nil {
		hc = &http.Client{Timeout: 5 * time.Minute}
	}
	if org == "" {
		org = "default"
	}
	return &Client{base: u, org: org, token: token, http: hc}, nil
}

// Org returns the org the client acts for.
func (c *Client) Org() string { return c.org }

func (c *Client) orgPath(p string) string {
	return api.Prefix + "/orgs/" + url.PathEscape(c.org) + p
}

// do sends a request and decodes a JSON answer into out (or, for a
// *[]byte, copies the raw body).
func (c *Client) do(ctx context.Context, method, path string, q url.Values, in, out any) error {
	u := *c.base
	u.Path += path
	u.RawQuery = q.Encode()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 512<<20))
	if err != nil {
		return fmt.Errorf("%s %s: reading answer: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		e := &Error{Status: resp.StatusCode}
		if json.Unmarshal(data, &e.Body) != nil || e.Body.Code == "" {
			e.Body.Code, e.Body.Message = http.StatusText(resp.StatusCode), strings.TrimSpace(string(data))
		}
		return e
	}
	switch o := out.(type) {
	case nil:
		return nil
	case *[]byte:
		*o = data
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: decoding answer: %w", method, path, err)
	}
	return nil
}

// Upload sends records (at most server.MaxBatch) and returns what the
// server did with each. repo is the repository's URL, or "".
func (c *Client) Upload(ctx context.Context, repo string, recs []api.Record) (*api.UploadResponse, error) {
	var out api.UploadResponse
	err := c.do(ctx, http.MethodPost, c.orgPath("/records"), nil, api.UploadRequest{Repo: repo, Records: recs}, &out)
	if err != nil {
		return nil, err
	}
	if len(out.Outcomes) != len(recs) {
		return nil, fmt.Errorf("server answered %d outcomes for %d records", len(out.Outcomes), len(recs))
	}
	return &out, nil
}

// Checkpoint returns the latest signed checkpoint note, or the one at
// size when size ≥ 0.
func (c *Client) Checkpoint(ctx context.Context, size int64) ([]byte, error) {
	q := url.Values{}
	if size >= 0 {
		q.Set("size", strconv.FormatInt(size, 10))
	}
	var out []byte
	return out, c.do(ctx, http.MethodGet, c.orgPath("/seal/checkpoint"), q, nil, &out)
}

// PublicKey returns the org's log origin and signing keys.
func (c *Client) PublicKey(ctx context.Context) (*api.PublicKey, error) {
	var out api.PublicKey
	return &out, c.do(ctx, http.MethodGet, c.orgPath("/seal/key"), nil, nil, &out)
}

// InclusionByRecord returns the proof that the record with hash
// "sha256:<hex>" is in the log of size.
func (c *Client) InclusionByRecord(ctx context.Context, hash string, size int64) (*api.Inclusion, error) {
	q := url.Values{"record": {hash}, "size": {strconv.FormatInt(size, 10)}}
	var out api.Inclusion
	return &out, c.do(ctx, http.MethodGet, c.orgPath("/seal/inclusion"), q, nil, &out)
}

// InclusionByIndex returns the proof that leaf index is in the log of
// size.
func (c *Client) InclusionByIndex(ctx context.Context, index, size int64) (*api.Inclusion, error) {
	q := url.Values{"index": {strconv.FormatInt(index, 10)}, "size": {strconv.FormatInt(size, 10)}}
	var out api.Inclusion
	return &out, c.do(ctx, http.MethodGet, c.orgPath("/seal/inclusion"), q, nil, &out)
}

// Consistency returns the proof that the log of size newer extends the
// log of size older.
func (c *Client) Consistency(ctx context.Context, older, newer int64) (*api.Consistency, error) {
	q := url.Values{"old": {strconv.FormatInt(older, 10)}, "new": {strconv.FormatInt(newer, 10)}}
	var out api.Consistency
	return &out, c.do(ctx, http.MethodGet, c.orgPath("/seal/consistency"), q, nil, &out)
}

// Audit asks the server to re-verify the org's whole log (admin key).
func (c *Client) Audit(ctx context.Context) (*api.AuditResult, error) {
	var out api.AuditResult
	return &out, c.do(ctx, http.MethodPost, c.orgPath("/seal/audit"), nil, nil, &out)
}

// RegisterWriter registers a writer's public key (admin key).
func (c *Client) RegisterWriter(ctx context.Context, w api.Writer) (*api.Writer, error) {
	var out api.Writer
	return &out, c.do(ctx, http.MethodPost, c.orgPath("/writers"), nil, w, &out)
}

// AddRepo registers a repository to mirror and queues its first fetch
// (admin key).
func (c *Client) AddRepo(ctx context.Context, url string) (*api.Repo, error) {
	var out api.Repo
	return &out, c.do(ctx, http.MethodPost, c.orgPath("/repos"), nil, api.Repo{URL: url}, &out)
}

// Repos lists the org's repositories.
func (c *Client) Repos(ctx context.Context) ([]api.Repo, error) {
	var out api.RepoList
	return out.Repos, c.do(ctx, http.MethodGet, c.orgPath("/repos"), nil, nil, &out)
}

// Fetch queues a fetch of repository id.
func (c *Client) Fetch(ctx context.Context, id int64) (*api.FetchResult, error) {
	var out api.FetchResult
	return &out, c.do(ctx, http.MethodPost, c.orgPath("/repos/"+strconv.FormatInt(id, 10)+"/fetch"), nil, nil, &out)
}

// Verdict returns the verdicts stored for commit sha.
func (c *Client) Verdict(ctx context.Context, sha string) (*api.VerdictList, error) {
	var out api.VerdictList
	return &out, c.do(ctx, http.MethodGet, c.orgPath("/commits/"+url.PathEscape(sha)+"/verdict"), nil, nil, &out)
}

// Quarantine lists the org's quarantined records, newest first.
func (c *Client) Quarantine(ctx context.Context) ([]api.Quarantined, error) {
	var out api.QuarantineList
	return out.Records, c.do(ctx, http.MethodGet, c.orgPath("/quarantine"), nil, nil, &out)
}
