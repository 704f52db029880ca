package seal

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// A Checkpoint is the signed statement that a log of Size leaves has the
// Merkle root Root (c2sp.org/tlog-checkpoint).
type Checkpoint struct {
	Origin     string    // the log's identity; for TraceVault, the org key's name
	Size       int64     // number of leaves
	Root       tlog.Hash // RFC 6962 Merkle tree hash of the first Size leaves
	Extensions []string  // optional extension lines, kept for round-tripping
}

// ErrMalformedCheckpoint is wrapped by every checkpoint parsing error.
var ErrMalformedCheckpoint = errors.New("malformed checkpoint")

// maxNote bounds the size of a signed note we are willing to parse.
const maxNote = 1 << 16

// Format returns the checkpoint's note text: the origin line, the size in
// decimal, the root in standard base64 and any extension lines, each ending
// in a newline.
func (c Checkpoint) Format() []byte {
	b := make([]byte, 0, 128)
	b = append(b, c.Origin...)
	b = append(b, '\n')
	b = strconv.AppendInt(b, c.Size, 10)
	b = append(b, '\n')
	b = base64.StdEncoding.AppendEncode(b, c.Root[:])
	b = append(b, '\n')
	for _, e := range c.Extensions {
		b = append(b, e...)
		b = append(b, '\n')
	}
	return b
}

// ParseCheckpoint parses a checkpoint's note text strictly: the text must be
// exactly what [Checkpoint.Format] produces for the result.
func ParseCheckpoint(text []byte) (Checkpoint, error) {
	var c Checkpoint
	if len(text) > maxNote || !utf8.Valid(text) || !bytes.HasSuffix(text, []byte{'\n'}) {
		return c, fmt.Errorf("%w: not UTF-8 text ending in a newline", ErrMalformedCheckpoint)
	}
	lines := strings.Split(string(text[:len(text)-1]), "\n")
	if len(lines) < 3 {
		return c, fmt.Errorf("%w: %d lines, want at least 3", ErrMalformedCheckpoint, len(lines))
	}
	for i, l := range lines {
		if l == "" || strings.ContainsFunc(l, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return c, fmt.Errorf("%w: line %d is empty or has control characters", ErrMalformedCheckpoint, i+1)
		}
	}
	c.Origin = lines[0]
	n, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || n < 0 {
		return Checkpoint{}, fmt.Errorf("%w: bad size %q", ErrMalformedCheckpoint, lines[1])
	}
	c.Size = n
	h, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(h) != tlog.HashSize {
		return Checkpoint{}, fmt.Errorf("%w: bad root hash %q", ErrMalformedCheckpoint, lines[2])
	}
	copy(c.Root[:], h)
	if len(lines) > 3 {
		c.Extensions = lines[3:]
	}
	if !bytes.Equal(c.Format(), text) {
		return Checkpoint{}, fmt.Errorf("%w: not in canonical form", ErrMalformedCheckpoint)
	}
	return c, nil
}

// OpenCheckpoint verifies the signed note msg with the known verifiers and
// parses its text as a checkpoint. At least one known key must have signed
// it; signatures by unknown keys (witness cosignatures, say) are allowed and
// returned in the note's UnverifiedSigs. The encoding must be canonical: the
// signature lines are re-encoded and compared, so no byte of msg can change
// without the result changing.
func OpenCheckpoint(msg []byte, known note.Verifiers) (Checkpoint, *note.Note, error) {
	if len(msg) > maxNote {
		return Checkpoint{}, nil, fmt.Errorf("%w: note of %d bytes is too long", ErrMalformedCheckpoint, len(msg))
	}
	n, err := note.Open(msg, known)
	if err != nil {
		return Checkpoint{}, nil, fmt.Errorf("opening checkpoint note: %w", err)
	}
	if !bytes.Equal(canonicalNote(msg, n), msg) {
		return Checkpoint{}, nil, fmt.Errorf("%w: signature block is not canonical", ErrMalformedCheckpoint)
	}
	c, err := ParseCheckpoint([]byte(n.Text))
	if err != nil {
		return Checkpoint{}, nil, err
	}
	return c, n, nil
}

// canonicalNote re-encodes the note msg parsed into n, with each signature's
// base64 re-encoded from its decoded bytes and signatures in msg's order.
func canonicalNote(msg []byte, n *note.Note) []byte {
	var b bytes.Buffer
	b.WriteString(n.Text)
	b.WriteString("\n")
	sigs := msg[len(n.Text)+1:]
	for len(sigs) > 0 {
		line, rest, _ := bytes.Cut(sigs, []byte{'\n'})
		sigs = rest
		name, b64, _ := strings.Cut(strings.TrimPrefix(string(line), "— "), " ")
		raw, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return nil
		}
		fmt.Fprintf(&b, "— %s %s\n", name, base64.StdEncoding.EncodeToString(raw))
	}
	return b.Bytes()
}

// VerifyCheckpoint verifies that msg is a checkpoint note signed by the key
// vkey (a note verifier key, "<name>+<hash>+<base64 key>") and returns the
// checkpoint. It does not require the origin to equal the key's name; a
// client that knows which log it follows should compare Origin itself (a
// [Witness] does).
func VerifyCheckpoint(vkey string, msg []byte) (Checkpoint, error) {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("parsing verifier key: %w", err)
	}
	c, _, err := OpenCheckpoint(msg, note.VerifierList(v))
	return c, err
}

// ErrProof is wrapped by the errors of proofs that do not verify.
var ErrProof = errors.New("proof does not verify")

// VerifyInclusion verifies that leafBytes is leaf number index of the log
// whose checkpoint is cp: proof must be the inclusion (record) proof of
// tlog.RecordHash(leafBytes) at index in a tree of cp.Size leaves with root
// cp.Root. It works for any RFC 6962 log, not only TraceVault's.
func VerifyInclusion(cp Checkpoint, leafBytes []byte, index int64, proof tlog.RecordProof) error {
	if index < 0 || index >= cp.Size {
		return fmt.Errorf("%w: leaf %d is outside a log of %d leaves", ErrProof, index, cp.Size)
	}
	if err := tlog.CheckRecord(proof, cp.Size, cp.Root, index, tlog.RecordHash(leafBytes)); err != nil {
		return fmt.Errorf("%w: inclusion of leaf %d in log of size %d: %w", ErrProof, index, cp.Size, err)
	}
	return nil
}

// VerifyRecord verifies that record is the record sealed by leafBytes, that
// leafBytes is a well-formed TraceVault leaf at index, and that proof proves
// its inclusion in cp.
func VerifyRecord(cp Checkpoint, record, leafBytes []byte, index int64, proof tlog.RecordProof) error {
	l, err := ParseLeaf(leafBytes)
	if err != nil {
		return err
	}
	if l.Index != index {
		return fmt.Errorf("%w: leaf says index %d, proof is for %d", ErrProof, l.Index, index)
	}
	if RecordDigest(record) != l.Record {
		return fmt.Errorf("%w: record does not match the sha256 in leaf %d", ErrProof, index)
	}
	return VerifyInclusion(cp, leafBytes, index, proof)
}

// VerifyConsistency verifies that the log of checkpoint newer extends the log
// of checkpoint older: proof must be the consistency (tree) proof between
// their sizes. Equal sizes need an empty proof and equal roots.
func VerifyConsistency(older, newer Checkpoint, proof tlog.TreeProof) error {
	if older.Origin != newer.Origin {
		return fmt.Errorf("%w: checkpoints of different logs %q and %q", ErrProof, older.Origin, newer.Origin)
	}
	if older.Size > newer.Size {
		return fmt.Errorf("%w: older checkpoint has size %d > newer size %d", ErrProof, older.Size, newer.Size)
	}
	if older.Size == 0 {
		if len(proof) != 0 {
			return fmt.Errorf("%w: non-empty proof from the empty log", ErrProof)
		}
		return nil
	}
	if err := tlog.CheckTree(proof, newer.Size, newer.Root, older.Size, older.Root); err != nil {
		return fmt.Errorf("%w: consistency of size %d with size %d: %w", ErrProof, older.Size, newer.Size, err)
	}
	return nil
}
