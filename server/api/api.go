// Package api holds the wire types of the tracevault-server HTTP API: the
// JSON request and response bodies and error codes shared by the server and
// its clients. It imports only the standard library.
//
// Every route is under [Prefix]. Org-scoped routes are
// /api/v1/orgs/{org}/…; the caller authenticates with an org API key in
// "Authorization: Bearer tvk_…" (see docs/server.md for which routes need
// which role). Errors are [Error] bodies with a non-2xx status.
//
// Byte fields ([]byte) travel as standard base64, as encoding/json writes
// them; a record's bytes are exactly the record.json blob of its git record
// commit and its signature the record.sig blob, never re-encoded.
package api

// Prefix is the path prefix of every API route.
const Prefix = "/api/v1"

// Error codes of [Error.Code].
const (
	CodeBadRequest   = "bad_request"
	CodeUnauthorized = "unauthorized"
	CodeForbidden    = "forbidden"
	CodeNotFound     = "not_found"
	CodeConflict     = "conflict"
	CodeInternal     = "internal"
	CodeUnavailable  = "unavailable"
)

// Error is the body of every failed request.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Record is one signed record as stored in git: record.json and record.sig.
type Record struct {
	Raw []byte `json:"raw"`
	Sig []byte `json:"sig"`
}

// UploadRequest is the body of POST /api/v1/orgs/{org}/records.
type UploadRequest struct {
	// Repo is the URL of the repository the records belong to, when the
	// uploader knows it; if it is registered, its allowed_signers and
	// policy apply and the records are filed under it.
	Repo    string   `json:"repo,omitempty"`
	Records []Record `json:"records"`
}

// Statuses of [Outcome.Status].
const (
	StatusStored      = "stored"
	StatusDuplicate   = "duplicate"
	StatusQuarantined = "quarantined"
)

// Outcome is what the server did with one record.
type Outcome struct {
	Writer string `json:"writer,omitempty"`
	Seq    int64  `json:"seq,omitempty"`
	Type   string `json:"type,omitempty"`
	// Hash is "sha256:<hex>" of the record's bytes.
	Hash   string `json:"hash"`
	Status string `json:"status"`
	// Code and Reason say why a record was quarantined: malformed,
	// conflict, forged, unknown-key or bad-chain.
	Code   string `json:"code,omitempty"`
	Reason string `json:"reason,omitempty"`
	// Leaf is the index of the seal leaf of a stored record.
	Leaf *int64 `json:"leaf,omitempty"`
}

// UploadResponse answers an upload.
type UploadResponse struct {
	Outcomes    []Outcome `json:"outcomes"`
	Stored      int       `json:"stored"`
	Duplicate   int       `json:"duplicate"`
	Quarantined int       `json:"quarantined"`
	// LogSize is the size of the org's seal log after the upload.
	LogSize int64 `json:"log_size"`
}

// Writer registers a writer's public key with an org
// (POST /api/v1/orgs/{org}/writers).
type Writer struct {
	// ID is the writer ID derived from the key; optional on registration.
	ID        string `json:"id,omitempty"`
	PublicKey string `json:"public_key"` // "ed25519:<base64>"
	Name      string `json:"name,omitempty"`
	Email     string `json:"email,omitempty"`
}

// Repo is a registered repository (POST/GET /api/v1/orgs/{org}/repos).
type Repo struct {
	ID  int64  `json:"id,omitempty"`
	URL string `json:"url"`
}

// RepoList lists an org's repositories.
type RepoList struct {
	Repos []Repo `json:"repos"`
}

// FetchResult answers POST /api/v1/orgs/{org}/repos/{id}/fetch and the
// webhook: the fetch job was queued.
type FetchResult struct {
	Queued bool  `json:"queued"`
	JobID  int64 `json:"job_id,omitempty"`
}

// SigningKey is one of an org's checkpoint signing keys.
type SigningKey struct {
	ID string `json:"id"` // note key hash, 8 hex digits
	// State is active, cosigning or retired.
	State string `json:"state"`
	// VerifierKey is the note verifier key "<name>+<id>+<base64>".
	VerifierKey string `json:"verifier_key"`
	CreatedAt   string `json:"created_at"`
}

// PublicKey answers GET /api/v1/orgs/{org}/seal/key: the log's origin and
// every key that ever signed its checkpoints, oldest first.
type PublicKey struct {
	Origin string       `json:"origin"`
	Keys   []SigningKey `json:"keys"`
}

// Inclusion answers GET /api/v1/orgs/{org}/seal/inclusion: the proof that
// a record is in the log of Size leaves.
type Inclusion struct {
	Index int64 `json:"index"`
	Size  int64 `json:"size"`
	// Leaf is the encoded seal leaf; Record the stored record bytes it
	// seals (nil when asked by index for a leaf whose record the server
	// no longer has).
	Leaf   []byte `json:"leaf"`
	Record []byte `json:"record,omitempty"`
	// Proof is the tlog record proof, one 32-byte hash per entry.
	Proof [][]byte `json:"proof"`
}

// Consistency answers GET /api/v1/orgs/{org}/seal/consistency: the proof
// that the log of size New extends the log of size Old.
type Consistency struct {
	Old   int64    `json:"old"`
	New   int64    `json:"new"`
	Proof [][]byte `json:"proof"`
}

// Verdict is a stored policy verdict on a commit.
type Verdict struct {
	Commit string `json:"commit"`
	Repo   string `json:"repo,omitempty"`
	// Policy is the policy's hash; Decision allow, warn or block.
	Policy   string `json:"policy"`
	Decision string `json:"decision"`
	// Verdict is the canonical verdict JSON (policy.Verdict.JSON).
	Verdict   []byte `json:"verdict"`
	CreatedAt string `json:"created_at"`
}

// VerdictList answers GET /api/v1/orgs/{org}/commits/{sha}/verdict and
// /api/v1/repos/{repo}/commits/{sha}/verdict: every verdict stored for the
// commit, oldest first; Latest is the newest.
type VerdictList struct {
	Latest   *Verdict  `json:"latest,omitempty"`
	Verdicts []Verdict `json:"verdicts"`
}

// Quarantined is one refused record.
type Quarantined struct {
	Writer     string `json:"writer,omitempty"`
	Seq        int64  `json:"seq,omitempty"`
	Hash       string `json:"hash"`
	Code       string `json:"code"`
	Reason     string `json:"reason"`
	Source     string `json:"source"`
	ReceivedAt string `json:"received_at"`
}

// QuarantineList answers GET /api/v1/orgs/{org}/quarantine.
type QuarantineList struct {
	Records []Quarantined `json:"records"`
}

// AuditResult answers POST /api/v1/orgs/{org}/seal/audit: a full
// re-verification of the org's log from stored data.
type AuditResult struct {
	OK     bool   `json:"ok"`
	Leaves int64  `json:"leaves"`
	Error  string `json:"error,omitempty"`
	// What and Index name the first item that failed (see seal.TamperError).
	What  string `json:"what,omitempty"`
	Index int64  `json:"index,omitempty"`
}
