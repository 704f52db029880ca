package record

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

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
	seq, prev := int64(0), ""
	if !tip.IsZero() {
		last, err := readOne(ctx, w.Store, tip)
		if err != nil {
			return nil, fmt.Errorf("reading the tip of %s: %w", ref, err)
		}
		seq, prev = last.Envelope.Seq, Hash(last.Raw)
	}
	batch := gitstore.NewBatch(w.Store)
	parent := tip
	var out []Stored
	now := w.Now().UTC().Truncate(time.Millisecond)
	for _, it := range items {
		body, err := Marshal(it.Body)
		if err != nil {
			return nil, fmt.Errorf("encoding %s record: %w", it.Type, err)
		}
		seq++
		env := &Envelope{V: Version, Type: it.Type, Writer: w.ID(), Seq: seq, Prev: prev, CreatedAt: now, Body: body}
		raw, err := Marshal(env)
		if err != nil {
			return nil, err
		}
		if len(raw) > MaxRecord {
			return nil, fmt.Errorf("%s record %s/%d is %d bytes, over the %d limit", it.Type, w.ID(), seq, len(raw), MaxRecord)
		}
		sig, err := w.Key.Sign(raw)
		if err != nil {
			return nil, err
		}
		sig += "\n"
		tree, err := batch.AddTree([]gitstore.TreeEntry{
			{Name: RecordFile, Mode: gitstore.ModeFile, Hash: batch.AddBlob(raw)},
			{Name: SigFile, Mode: gitstore.ModeFile, Hash: batch.AddBlob([]byte(sig))},
		})
		if err != nil {
			return nil, err
		}
		msg, err := CommitMessage(env)
		if err != nil {
			return nil, err
		}
		who := w.Identity
		who.When = now
		c := &gitstore.Commit{Tree: tree, Author: who, Committer: who, Message: msg}
		if !parent.IsZero() {
			c.Parents = []gitstore.Hash{parent}
		}
		h, err := batch.AddCommit(c)
		if err != nil {
			return nil, err
		}
		out = append(out, Stored{Commit: h, Raw: raw, Sig: sig, Envelope: env, Meta: c})
		parent, prev = h, Hash(raw)
	}
	if err := batch.Flush(ctx); err != nil {
		return nil, fmt.Errorf("writing records: %w", err)
	}
	if err := w.Store.UpdateRefs(ctx, []gitstore.RefUpdate{{Name: ref, New: parent, Old: tip}}); err != nil {
		return nil, fmt.Errorf("updating %s: %w", ref, err)
	}
	return out, nil
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
	default:
		return "", fmt.Errorf("unknown record type %q", env.Type)
	}
	return fmt.Sprintf("tracevault: %s\n\nrecord %s\n", subject, env.ID()), nil
}
