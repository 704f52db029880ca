package seal

import (
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Errors a [Witness] reports; match them with errors.Is.
var (
	// ErrRollback means a checkpoint shows less of the log than one seen
	// before: a smaller size, or the same size with another root.
	ErrRollback = errors.New("seal: log rolled back")
	// ErrFork means a checkpoint is not an extension of one seen before: the
	// consistency proof between them fails, or two checkpoints of the same
	// size have different roots (which is both a rollback and a fork).
	ErrFork = errors.New("seal: log forked")
	// ErrWrongLog means a checkpoint is of another log than the witness's.
	ErrWrongLog = errors.New("seal: checkpoint of another log")
)

// A Witness is a client's memory of an org's log: the latest checkpoint it
// has verified. Each newer checkpoint must come with a consistency proof
// from that one, so a server that rolls the log back or shows different
// clients different logs is caught by any client that saw the later or other
// view. Persist [Witness.Latest] (a CLI can commit it to the repository) and
// pass it to [NewWitness] next time.
type Witness struct {
	origin string
	known  note.Verifiers
	latest Checkpoint
	note   []byte
}

// NewWitness returns a witness of the log named origin, whose checkpoints are
// signed by one of known. trusted is the latest checkpoint note seen before,
// or nil to trust the first checkpoint given to [Witness.Update].
func NewWitness(origin string, known note.Verifiers, trusted []byte) (*Witness, error) {
	w := &Witness{origin: origin, known: known}
	if trusted == nil {
		return w, nil
	}
	cp, _, err := OpenCheckpoint(trusted, known)
	if err != nil {
		return nil, fmt.Errorf("opening trusted checkpoint: %w", err)
	}
	if cp.Origin != origin {
		return nil, fmt.Errorf("%w: trusted checkpoint is of %q, want %q", ErrWrongLog, cp.Origin, origin)
	}
	w.latest, w.note = cp, trusted
	return w, nil
}

// Latest returns the latest checkpoint the witness accepted and its note;
// a zero Checkpoint and nil before any.
func (w *Witness) Latest() (Checkpoint, []byte) { return w.latest, w.note }

// Update verifies msg, a checkpoint note, and proof, the consistency proof
// from the latest checkpoint to it (empty if its size is the latest's), and
// makes it the latest. It returns errors wrapping [ErrRollback], [ErrFork]
// or [ErrWrongLog] for a log that did not only grow, leaving the witness
// unchanged on any error.
func (w *Witness) Update(msg []byte, proof tlog.TreeProof) (Checkpoint, error) {
	cp, _, err := OpenCheckpoint(msg, w.known)
	if err != nil {
		return Checkpoint{}, err
	}
	old := w.latest
	switch {
	case cp.Origin != w.origin:
		return Checkpoint{}, fmt.Errorf("%w: checkpoint is of %q, want %q", ErrWrongLog, cp.Origin, w.origin)
	case w.note == nil:
	case cp.Size < old.Size:
		return Checkpoint{}, fmt.Errorf("%w: size %d after size %d was seen", ErrRollback, cp.Size, old.Size)
	case cp.Size == old.Size && cp.Root != old.Root:
		return Checkpoint{}, fmt.Errorf("%w and %w: two roots for size %d: %s seen, now %s",
			ErrRollback, ErrFork, cp.Size, old.Root, cp.Root)
	case cp.Size > old.Size:
		if err := VerifyConsistency(old, cp, proof); err != nil {
			return Checkpoint{}, fmt.Errorf("%w: size %d does not extend size %d seen before: %w", ErrFork, cp.Size, old.Size, err)
		}
	}
	w.latest, w.note = cp, msg
	return cp, nil
}
