package record

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/gitstore"
	"github.com/tracevault/tracevault/seal/sigkey"
)

// File names inside a record commit's tree.
const (
	RecordFile = "record.json"
	SigFile    = "record.sig"
)

// MaxRecord is the largest record.json written; bodies over it are refused
// (callers drop diffs first). It keeps every blob far below forge limits.
const MaxRecord = 40 << 20

// Store is the git access a chain needs.
type Store interface {
	gitstore.Store
	gitstore.History
}

// Stored is one record as found in git.
type Stored struct {
	Commit   gitstore.Hash
	Raw      []byte // record.json, exactly as stored
	Sig      string // record.sig, exactly as stored
	Envelope *Envelope
	// Meta is the parsed chain commit (nil for records not read back).
	Meta *gitstore.Commit
}

// Hash is the chain hash of a stored record: "sha256:<hex>" of its raw
// bytes. The next record's Prev holds it.
func Hash(raw []byte) string {
	sum := sha256.Sum256(raw)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Item is a record to append. The chain commit's message is derived from
// it (see CommitMessage).
type Item struct {
	Type string
	Body any
}

// Writer appends records to its own chain.
type Writer struct {
	Store    Store
	Key      *sigkey.Key
	Identity gitstore.Signature // name and email; When is set per record
	Now      func() time.Time
}

// ID is the writer id.
func (w *Writer) ID() string { return w.Key.Public().WriterID() }

// Append adds items as consecutive records in one compare-and-swap update
// of the writer's ref, retrying on a concurrent update.
func (w *Writer) Append(ctx context.Context, items []Item) ([]Stored, error) {
	if len(items) == 0 {
		return nil, nil
	}
	var out []Stored
	err := retry(ctx, func() error {
		var err error
		out, err = w.appendOnce(ctx, items)
		return err
	})
	return out, err
}

func retry(ctx context.Context, f func() error) error {
	var err error
	for attempt := 0; attempt < 20; attempt++ {
		if err = f(); !errors.Is(err, gitstore.ErrRefConflict) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt+1) * 5 * time.Millisecond):
		}
	}
	return err
}

func (w *Writer) appendOnce(ctx context.Context, items []Item) ([]Stored, error) {
	ref := LogRef(w.ID())
	tip, err := w.Store.ResolveRef(ctx, ref)
	if err != nil && !errors.Is(err, gitstore.ErrNotFound) {
		return nil, fmt.Errorf("reading %s: %w", ref, err)
	}
	head, err := w.ReadHead(ctx, tip)
	if err != nil {
		return nil, err
	}
	batch := gitstore.NewBatch(w.Store)
	out, update, err := w.Prepare(batch, head, items)
	if err != nil {
		return nil, err
	}
	if err := batch.Flush(ctx); err != nil {
		return nil, fmt.Errorf("writing records: %w", err)
	}
	if err := w.Store.UpdateRefs(ctx, []gitstore.RefUpdate{update}); err != nil {
		return nil, fmt.Errorf("updating %s: %w", ref, err)
	}
	return out, nil
}

// Head is where the writer's chain stands: its tip commit (zero for an
// empty chain), the tip record's seq (0 when empty) and its chain hash
// (the next record's Prev).
type Head struct {
	Tip  gitstore.Hash
	Seq  int64
	Prev string
}

// ReadHead reads the chain's tip record at tip, the value of the writer's
// ref as the caller resolved it (zero for a missing ref).
func (w *Writer) ReadHead(ctx context.Context, tip gitstore.Hash) (Head, error) {
	if tip.IsZero() {
		return Head{}, nil
	}
	last, err := readOne(ctx, w.Store, tip)
	if err != nil {
		return Head{}, fmt.Errorf("reading the tip of %s: %w", LogRef(w.ID()), err)
	}
	return Head{Tip: tip, Seq: last.Envelope.Seq, Prev: Hash(last.Raw)}, nil
}

// Prepare is the first half of Append, for callers that move the chain
// ref in one transaction with other refs: it adds items as records on top
// of head to b (without writing them) and returns them with the
// compare-and-swap update that publishes them. After b is flushed and the
// update applied, they are on the chain; if the update loses to a
// concurrent writer, the caller reads the head again and starts over.
func (w *Writer) Prepare(b *gitstore.Batch, head Head, items []Item) ([]Stored, gitstore.RefUpdate, error) {
	parent, seq, prev := head.Tip, head.Seq, head.Prev
	var out []Stored
	now := w.Now().UTC().Truncate(time.Millisecond)
	for _, it := range items {
		seq++
		st, err := w.record(b, it, seq, prev, parent, now)
		if err != nil {
			return nil, gitstore.RefUpdate{}, err
		}
		out = append(out, st)
		parent, prev = st.Commit, Hash(st.Raw)
	}
	return out, gitstore.RefUpdate{Name: LogRef(w.ID()), New: parent, Old: head.Tip}, nil
}

// record adds one record's blobs, tree and chain commit to b.
func (w *Writer) record(b *gitstore.Batch, it Item, seq int64, prev string, parent gitstore.Hash, now time.Time) (Stored, error) {
	body, err := Marshal(it.Body)
	if err != nil {
		return Stored{}, fmt.Errorf("encoding %s record: %w", it.Type, err)
	}
	env := &Envelope{V: Version, Type: it.Type, Writer: w.ID(), Seq: seq, Prev: prev, CreatedAt: now, Body: body}
	raw, err := marshalEnvelope(env)
	if err != nil {
		return Stored{}, err
	}
	if len(raw) > MaxRecord {
		return Stored{}, fmt.Errorf("%s record %s/%d is %d bytes, over the %d limit", it.Type, w.ID(), seq, len(raw), MaxRecord)
	}
	sig, err := w.Key.Sign(raw)
	if err != nil {
		return Stored{}, err
	}
	sig += "\n"
	tree, err := b.AddTree([]gitstore.TreeEntry{
		{Name: RecordFile, Mode: gitstore.ModeFile, Hash: b.AddBlob(raw)},
		{Name: SigFile, Mode: gitstore.ModeFile, Hash: b.AddBlob([]byte(sig))},
	})
	if err != nil {
		return Stored{}, err
	}
	msg, err := commitMessage(env, it.Body)
	if err != nil {
		return Stored{}, err
	}
	who := w.Identity
	who.When = now
	c := &gitstore.Commit{Tree: tree, Author: who, Committer: who, Message: msg}
	if !parent.IsZero() {
		c.Parents = []gitstore.Hash{parent}
	}
	h, err := b.AddCommit(c)
	if err != nil {
		return Stored{}, err
	}
	return Stored{Commit: h, Raw: raw, Sig: sig, Envelope: env, Meta: c}, nil
}

// marshalEnvelope is Marshal(env) for an envelope whose Body is already
// canonical (Marshal's output): it puts the body in place as it is, where
// encoding/json would scan and copy it again to compact it.
func marshalEnvelope(env *Envelope) ([]byte, error) {
	head, err := Marshal(&Envelope{V: env.V, Type: env.Type, Writer: env.Writer, Seq: env.Seq, Prev: env.Prev, CreatedAt: env.CreatedAt, Body: json.RawMessage("0")})
	if err != nil {
		return nil, err
	}
	const tail = `"body":0}`
	if !bytes.HasSuffix(head, []byte(tail)) {
		return Marshal(env)
	}
	raw := make([]byte, 0, len(head)+len(env.Body))
	raw = append(raw, head[:len(head)-len(tail)+len(`"body":`)]...)
	raw = append(raw, env.Body...)
	return append(raw, '}'), nil
}

// commitMessage is CommitMessage for a record just encoded from body,
// without decoding the body again: the subject's fields are taken from body
// when they are valid UTF-8 (which encoding/json round-trips exactly).
func commitMessage(env *Envelope, body any) (string, error) {
	var subject string
	switch b := body.(type) {
	case *capture.Session:
		if env.Type == TypeSession && utf8.ValidString(b.ID) && utf8.ValidString(b.Agent) {
			subject = fmt.Sprintf("session %s (%s)", b.ID, b.Agent)
		}
	case *CommitAttribution:
		if env.Type == TypeCommit && utf8.ValidString(b.Commit) {
			subject = "commit " + b.Commit
		}
	}
	if subject == "" {
		return CommitMessage(env)
	}
	return fmt.Sprintf("tracevault: %s\n\nrecord %s\n", subject, env.ID()), nil
}

// CommitMessage is the message of the chain commit holding env:
//
//	tracevault: session <session-id> (<agent>)
//	tracevault: commit <commit-id>
//
// then a blank line and "record <writer>/<seq>". It is derived from the
// record, so Verify can check it.
func CommitMessage(env *Envelope) (string, error) {
	var subject string
	switch env.Type {
	case TypeSession:
		s, err := env.Session()
		if err != nil {
			return "", err
		}
		subject = fmt.Sprintf("session %s (%s)", s.ID, s.Agent)
	case TypeCommit:
		c, err := env.Commit()
		if err != nil {
			return "", err
		}
		subject = "commit " + c.Commit
	case TypeOverride:
		subject = "override of a fail-closed check"
	default:
		return "", fmt.Errorf("unknown record type %q", env.Type)
	}
	return fmt.Sprintf("tracevault: %s\n\nrecord %s\n", subject, env.ID()), nil
}
