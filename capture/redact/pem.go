package redact

import (
	"bytes"
	"strings"
)

// maxKeyBlock bounds a private key block; PGP keys with many subkeys are
// the largest in practice.
const maxKeyBlock = 64 << 10

// matchPrivateKey is the matcher of the private-key rule. At
// "-----BEGIN <label>-----", where the label ends in PRIVATE KEY (or
// PRIVATE KEY BLOCK), it emits the whole block through its END line. When
// the END line is missing (a truncated payload) it emits the armour and
// as much base64 body as follows, so no part of the key survives.
func matchPrivateKey(sc *scan, ri, start, end int) {
	b := sc.b
	if start < sc.pem.covered { // inside the block emitted last
		return
	}
	p := end
	if p < len(b) && b[p] == ' ' {
		p++
	}
	rest := b[p:min(len(b), p+64)]
	i := bytes.Index(rest, []byte("-----"))
	if i < 0 {
		return
	}
	label := string(rest[:i])
	if !strings.HasSuffix(label, "PRIVATE KEY") && !strings.HasSuffix(label, "PRIVATE KEY BLOCK") {
		return
	}
	body := p + i + 5
	tail := b[body:min(len(b), body+maxKeyBlock)]
	if j := sc.pem.find(b, label, body); j >= 0 {
		sc.pem.covered = j + len("-----END ") + len(label) + 5
	} else {
		sc.pem.covered = body + armourLen(tail)
	}
	sc.emit(ri, start, sc.pem.covered)
}

// pemSearch remembers the last search for an END line, so that many BEGIN
// lines without an END (a hostile or truncated payload) cost one pass
// over the input rather than one pass of maxKeyBlock each.
type pemSearch struct {
	valid    bool
	label    string
	from, to int // b[from:to] was searched
	at       int // offset of the first END line in b[from:to], or -1
	covered  int // end of the last block emitted
}

// find returns the offset of the first "-----END <label>-----" in
// b[body:body+maxKeyBlock], or -1.
func (c *pemSearch) find(b []byte, label string, body int) int {
	end := "-----END " + label + "-----"
	from, to := body, min(len(b), body+maxKeyBlock)
	if c.valid && c.label == label && c.from <= body && body <= c.to {
		if c.at >= body {
			return c.at
		}
		if c.at < 0 { // nothing in b[body:c.to]: search only what is new
			from = max(body, c.to-len(end)+1)
		}
	}
	at := -1
	if i := bytes.Index(b[from:to], []byte(end)); i >= 0 {
		at = from + i
	}
	*c = pemSearch{valid: true, label: label, from: body, to: to, at: at, covered: c.covered}
	return at
}

// armourLen is the length of the base64 body, headers (Proc-Type: 4,ENCRYPTED)
// and line breaks, written raw or as JSON escapes, at the start of t.
func armourLen(t []byte) int {
	i := 0
	for i < len(t) {
		c := t[i]
		switch {
		case isAlnum(c) || strings.IndexByte("+/=:,- \t\r\n", c) >= 0:
			i++
		case c == '\\' && i+1 < len(t) && (t[i+1] == 'n' || t[i+1] == 'r' || t[i+1] == 't'):
			i += 2
		default:
			return trimBlanks(t, i)
		}
	}
	return trimBlanks(t, i)
}

// trimBlanks backs i off over trailing white space in t[:i].
func trimBlanks(t []byte, i int) int {
	for i > 0 && strings.IndexByte(" \t\r\n", t[i-1]) >= 0 {
		i--
	}
	return i
}
