package gitstore

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Signature is a commit's author or committer.
type Signature struct {
	Name  string
	Email string
	// When is stored as Unix seconds plus the zone offset in whole
	// minutes; sub-second precision is dropped.
	When time.Time
}

// Header is an extra commit header such as "encoding", "gpgsig" or
// "mergetag". Value may span lines; it is stored with git's continuation
// convention (each following line prefixed by a space).
type Header struct {
	Key   string
	Value string
}

// Commit is a parsed commit object.
type Commit struct {
	Tree      Hash
	Parents   []Hash
	Author    Signature
	Committer Signature
	// ExtraHeaders follow the committer line in order (e.g. gpgsig).
	ExtraHeaders []Header
	// Message is everything after the blank line ending the headers,
	// exactly as stored.
	Message string
}

// EncodeCommit returns the canonical bytes of c.
func EncodeCommit(c *Commit) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "tree %s\n", c.Tree)
	for _, p := range c.Parents {
		fmt.Fprintf(&b, "parent %s\n", p)
	}
	for _, s := range []struct {
		key string
		sig Signature
	}{{"author", c.Author}, {"committer", c.Committer}} {
		line, err := encodeSignature(s.sig)
		if err != nil {
			return nil, fmt.Errorf("encoding commit %s: %w", s.key, err)
		}
		fmt.Fprintf(&b, "%s %s\n", s.key, line)
	}
	for _, h := range c.ExtraHeaders {
		if err := checkHeader(h); err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "%s %s\n", h.Key, strings.ReplaceAll(h.Value, "\n", "\n "))
	}
	b.WriteByte('\n')
	b.WriteString(c.Message)
	return b.Bytes(), nil
}

func checkHeader(h Header) error {
	switch h.Key {
	case "", "tree", "parent", "author", "committer":
		return fmt.Errorf("commit header %q: reserved or empty: %w", h.Key, ErrInvalidObject)
	}
	if strings.ContainsAny(h.Key, " \n\x00") || strings.Contains(h.Value, "\x00") {
		return fmt.Errorf("commit header %q: bad key or value: %w", h.Key, ErrInvalidObject)
	}
	return nil
}

func encodeSignature(s Signature) (string, error) {
	if strings.ContainsAny(s.Name, "<>\n\x00") || strings.ContainsAny(s.Email, "<>\n\x00") {
		return "", fmt.Errorf("signature %q <%s>: name or email contains <, >, newline or NUL: %w", s.Name, s.Email, ErrInvalidObject)
	}
	_, off := s.When.Zone()
	if off%60 != 0 || s.When.Unix() < 0 {
		return "", fmt.Errorf("signature time %v: not representable: %w", s.When, ErrInvalidObject)
	}
	sign, m := '+', off/60
	if m < 0 {
		sign, m = '-', -m
	}
	if m/60 > 99 {
		return "", fmt.Errorf("signature time %v: zone offset too large: %w", s.When, ErrInvalidObject)
	}
	return fmt.Sprintf("%s <%s> %d %c%02d%02d", s.Name, s.Email, s.When.Unix(), sign, m/60, m%60), nil
}

// ParseCommit parses commit object bytes strictly: headers in canonical
// order and form, and [EncodeCommit] of the result must reproduce data
// exactly. Verify signatures over data, never over a re-encoding.
func ParseCommit(data []byte) (*Commit, error) {
	c, err := parseCommit(string(data))
	if err != nil {
		return nil, fmt.Errorf("parsing commit: %w", err)
	}
	enc, err := EncodeCommit(c)
	if err != nil {
		return nil, fmt.Errorf("parsing commit: %w", err)
	}
	if !bytes.Equal(enc, data) {
		return nil, fmt.Errorf("parsing commit: not in canonical form: %w", ErrInvalidObject)
	}
	return c, nil
}

func parseCommit(s string) (*Commit, error) {
	head, msg, ok := strings.Cut(s, "\n\n")
	if !ok {
		return nil, fmt.Errorf("no blank line after headers: %w", ErrInvalidObject)
	}
	c := &Commit{Message: msg}
	lines := strings.Split(head, "\n")
	i := 0
	next := func(key string) (string, bool) {
		if i < len(lines) {
			if v, ok := strings.CutPrefix(lines[i], key+" "); ok {
				i++
				return v, true
			}
		}
		return "", false
	}
	v, ok := next("tree")
	if !ok {
		return nil, fmt.Errorf("missing tree: %w", ErrInvalidObject)
	}
	var err error
	if c.Tree, err = ParseHash(v); err != nil {
		return nil, fmt.Errorf("tree: %w: %w", err, ErrInvalidObject)
	}
	for v, ok := next("parent"); ok; v, ok = next("parent") {
		p, err := ParseHash(v)
		if err != nil {
			return nil, fmt.Errorf("parent: %w: %w", err, ErrInvalidObject)
		}
		c.Parents = append(c.Parents, p)
	}
	for _, f := range []struct {
		key string
		sig *Signature
	}{{"author", &c.Author}, {"committer", &c.Committer}} {
		v, ok := next(f.key)
		if !ok {
			return nil, fmt.Errorf("missing %s: %w", f.key, ErrInvalidObject)
		}
		if *f.sig, err = parseSignature(v); err != nil {
			return nil, fmt.Errorf("%s: %w", f.key, err)
		}
	}
	for ; i < len(lines); i++ {
		key, val, ok := strings.Cut(lines[i], " ")
		if !ok || strings.HasPrefix(lines[i], " ") {
			return nil, fmt.Errorf("malformed header line %q: %w", lines[i], ErrInvalidObject)
		}
		for i+1 < len(lines) && strings.HasPrefix(lines[i+1], " ") {
			i++
			val += "\n" + lines[i][1:]
		}
		c.ExtraHeaders = append(c.ExtraHeaders, Header{Key: key, Value: val})
	}
	return c, nil
}

func parseSignature(s string) (Signature, error) {
	lt := strings.IndexByte(s, '<')
	gt := strings.IndexByte(s, '>')
	if lt < 1 || s[lt-1] != ' ' || gt < lt || !strings.HasPrefix(s[gt:], "> ") {
		return Signature{}, fmt.Errorf("signature %q: malformed: %w", s, ErrInvalidObject)
	}
	sig := Signature{Name: s[:lt-1], Email: s[lt+1 : gt]}
	ts, tz, ok := strings.Cut(s[gt+2:], " ")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if !ok || err != nil || sec < 0 || len(tz) != 5 || (tz[0] != '+' && tz[0] != '-') {
		return Signature{}, fmt.Errorf("signature %q: malformed time: %w", s, ErrInvalidObject)
	}
	hhmm, err := strconv.Atoi(tz[1:])
	if err != nil || hhmm%100 >= 60 || tz[1] == '+' || tz[1] == '-' {
		return Signature{}, fmt.Errorf("signature %q: malformed zone: %w", s, ErrInvalidObject)
	}
	off := (hhmm/100*60 + hhmm%100) * 60
	if tz[0] == '-' {
		off = -off
	}
	sig.When = time.Unix(sec, 0).In(time.FixedZone("", off))
	return sig, nil
}
