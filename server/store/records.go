package store

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/tracevault/tracevault/capture"
)

// Record types, as in a record envelope's "type", that the store decodes
// into rows. Records of other well-formed types (such as "override") are
// stored and sealed like any other, without rows.
const (
	TypeSession = "session"
	TypeCommit  = "commit"
)

// Source says how a record reached the server.
type Source string

// Record sources.
const (
	SourceMirror Source = "mirror" // fetched from a registered repository
	SourceUpload Source = "upload" // uploaded directly with an API key
)

// Incoming is one record to ingest: the two files of a record commit,
// exactly as received. The caller (the server) has checked the signature
// and the chain; the store checks only what it needs to file the record.
type Incoming struct {
	Raw    []byte // record.json
	Sig    []byte // record.sig
	Repo   int64  // the registered repository it came from; 0 if unknown
	Source Source
}

// Hash returns the SHA-256 of the record's raw bytes: what the seal commits
// to, and the chain hash "sha256:<hex>" of the next record's prev.
func (in Incoming) Hash() [32]byte { return sha256.Sum256(in.Raw) }

// Status is what [Store.Ingest] did with a record.
type Status string

// Ingest statuses.
const (
	Stored      Status = "stored"      // new: stored, and its rows decoded
	Duplicate   Status = "duplicate"   // the same bytes were stored before
	Quarantined Status = "quarantined" // refused; see the outcome's Code
)

// Code says why a record was quarantined.
type Code string

// Quarantine codes. The store itself assigns CodeMalformed and
// CodeConflict; the server passes the others to [Store.Quarantine].
const (
	CodeMalformed  Code = "malformed"   // the envelope or body does not decode
	CodeConflict   Code = "conflict"    // other bytes are stored for its (writer, seq)
	CodeForged     Code = "forged"      // the signature does not verify
	CodeUnknownKey Code = "unknown-key" // the writer's key is not registered
	CodeBadChain   Code = "bad-chain"   // prev does not match the writer's chain
)

// Outcome is what happened to one incoming record.
type Outcome struct {
	Writer string // empty if the envelope did not decode
	Seq    int64
	Type   string
	Hash   [32]byte
	Status Status
	Code   Code   // for Quarantined
	Reason string // for Quarantined
}

// RecordRef names a record: "<writer>/<seq>".
type RecordRef struct {
	Writer string
	Seq    int64
}

// String returns "<writer>/<seq>".
func (r RecordRef) String() string { return fmt.Sprintf("%s/%d", r.Writer, r.Seq) }

// Record is a stored record.
type Record struct {
	RecordRef
	Type       string
	Hash       [32]byte
	Prev       string
	CreatedAt  time.Time // the envelope's created_at
	ReceivedAt time.Time
	Source     Source
	Repo       int64
	Raw        []byte // record.json, exactly as received
	Sig        []byte // record.sig, exactly as received
}

// QuarantineEntry is a refused record.
type QuarantineEntry struct {
	ID         int64
	Writer     string
	Seq        int64
	Hash       [32]byte
	Code       Code
	Reason     string
	Source     Source
	Repo       int64
	ReceivedAt time.Time
	Raw        []byte
	Sig        []byte
}

// envelope mirrors the record envelope (capture/record.Envelope).
type envelope struct {
	V         int             `json:"v"`
	Type      string          `json:"type"`
	Writer    string          `json:"writer"`
	Seq       int64           `json:"seq"`
	Prev      string          `json:"prev"`
	CreatedAt time.Time       `json:"created_at"`
	Body      json.RawMessage `json:"body"`
}

// commitBody mirrors capture/record.CommitAttribution.
type commitBody struct {
	Commit        string          `json:"commit"`
	Parent        string          `json:"parent"`
	Evidence      string          `json:"evidence"`
	RewrittenFrom []string        `json:"rewritten_from"`
	Sessions      []CommitSession `json:"sessions"`
	Files         []CommitFile    `json:"files"`
	AILines       int             `json:"ai_lines"`
	HumanLines    int             `json:"human_lines"`
}

// decoded is an incoming record with its envelope and body decoded.
type decoded struct {
	in      Incoming
	hash    [32]byte
	env     envelope
	session *capture.Session
	commit  *commitBody
}

func (d *decoded) ref() RecordRef { return RecordRef{d.env.Writer, d.env.Seq} }

// unionBody decodes either body type in the same pass as the envelope:
// their JSON field names differ except "evidence", which both read from
// the embedded session. One pass instead of two halves ingest's CPU time,
// most of which is JSON decoding.
type unionBody struct {
	capture.Session
	Commit        string          `json:"commit"`
	Parent        string          `json:"parent"`
	RewrittenFrom []string        `json:"rewritten_from"`
	Sessions      []CommitSession `json:"sessions"`
	Files         []CommitFile    `json:"files"`
	AILines       int             `json:"ai_lines"`
	HumanLines    int             `json:"human_lines"`
}

// decode decodes what the store files a record by. It does not check
// canonical form or signatures; the server does. Records of types other
// than session and commit (override records, newer types) are filed by
// their envelope alone.
func decode(in Incoming) (*decoded, error) {
	d := &decoded{in: in, hash: in.Hash()}
	var env struct {
		V         int        `json:"v"`
		Type      string     `json:"type"`
		Writer    string     `json:"writer"`
		Seq       int64      `json:"seq"`
		Prev      string     `json:"prev"`
		CreatedAt time.Time  `json:"created_at"`
		Body      *unionBody `json:"body"`
	}
	err := json.Unmarshal(in.Raw, &env)
	d.env = envelope{V: env.V, Type: env.Type, Writer: env.Writer, Seq: env.Seq, Prev: env.Prev, CreatedAt: env.CreatedAt}
	if err != nil && env.Type != TypeSession && env.Type != TypeCommit {
		// A body of another type need not fit unionBody.
		env.Body, err = new(unionBody), json.Unmarshal(in.Raw, &d.env)
	}
	if err != nil {
		return d, fmt.Errorf("decoding record: %w", err)
	}
	if err := d.env.check(); err != nil {
		return d, err
	}
	b := env.Body
	if b == nil {
		return d, errors.New("envelope has no body")
	}
	switch d.env.Type {
	case TypeSession:
		if b.ID == "" {
			return d, errors.New("session body has no id")
		}
		d.session = &b.Session
	case TypeCommit:
		if b.Commit == "" {
			return d, errors.New("commit body has no commit")
		}
		d.commit = &commitBody{Commit: b.Commit, Parent: b.Parent, Evidence: b.Evidence,
			RewrittenFrom: b.RewrittenFrom, Sessions: b.Sessions, Files: b.Files,
			AILines: b.AILines, HumanLines: b.HumanLines}
	}
	return d, nil
}

// check checks the envelope fields the store relies on.
func (e *envelope) check() error {
	switch {
	case e.V != 1:
		return fmt.Errorf("envelope version %d is not supported", e.V)
	case !validType(e.Type):
		return fmt.Errorf("bad record type %q", e.Type)
	case e.Writer == "":
		return errors.New("envelope has no writer")
	case e.Seq < 1:
		return fmt.Errorf("envelope seq %d is not positive", e.Seq)
	case e.CreatedAt.IsZero():
		return errors.New("envelope has no created_at")
	}
	return nil
}

// validType reports whether t is 1 to 32 of [a-z0-9-], starting with a
// letter.
func validType(t string) bool {
	if len(t) == 0 || len(t) > 32 || t[0] < 'a' || t[0] > 'z' {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
