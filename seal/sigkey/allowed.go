package sigkey

import (
	"bufio"
	"fmt"
	"sort"
	"strings"
)

// AllowedSigners is the list of writers whose records a repository trusts:
// the file .tracevault/allowed_signers, committed and reviewed like code.
// Each non-comment line reads
//
//	<writer-id> <identity> ed25519:<base64 public key>
//
// where identity is the writer's git email (no spaces). The writer id must be
// the one derived from the key.
type AllowedSigners struct {
	byID  map[string]Signer
	order []string
}

// Signer is one trusted writer.
type Signer struct {
	WriterID string
	Identity string
	Key      PublicKey
}

// ParseAllowedSigners parses the file strictly, naming the line of any
// error.
func ParseAllowedSigners(data []byte) (*AllowedSigners, error) {
	a := &AllowedSigners{byID: map[string]Signer{}}
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 3 {
			return nil, fmt.Errorf("allowed_signers line %d: want <writer-id> <identity> ed25519:<key>", n)
		}
		k, err := ParsePublicKey(f[2])
		if err != nil {
			return nil, fmt.Errorf("allowed_signers line %d: %w", n, err)
		}
		if k.WriterID() != f[0] {
			return nil, fmt.Errorf("allowed_signers line %d: writer id %s does not match its key (%s)", n, f[0], k.WriterID())
		}
		if _, dup := a.byID[f[0]]; !dup {
			a.order = append(a.order, f[0])
		}
		a.byID[f[0]] = Signer{WriterID: f[0], Identity: f[1], Key: k}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading allowed_signers: %w", err)
	}
	return a, nil
}

// Lookup returns the signer with the writer id.
func (a *AllowedSigners) Lookup(writerID string) (Signer, bool) {
	if a == nil {
		return Signer{}, false
	}
	s, ok := a.byID[writerID]
	return s, ok
}

// Add trusts s (replacing an entry with the same id).
func (a *AllowedSigners) Add(s Signer) {
	if _, ok := a.byID[s.WriterID]; !ok {
		a.order = append(a.order, s.WriterID)
	}
	a.byID[s.WriterID] = s
}

// Signers returns the entries sorted by writer id.
func (a *AllowedSigners) Signers() []Signer {
	out := make([]Signer, 0, len(a.byID))
	for _, s := range a.byID {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].WriterID < out[j].WriterID })
	return out
}

// Line renders s as an allowed_signers line.
func (s Signer) Line() string {
	id := strings.ReplaceAll(s.Identity, " ", "_")
	if id == "" {
		id = "-"
	}
	return s.WriterID + " " + id + " " + s.Key.String()
}
