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
	if j := bytes.Index(tail, []byte("-----END "+label+"-----")); j >= 0 {
		sc.emit(ri, start, body+j+len("-----END ")+len(label)+5)
		return
	}
	sc.emit(ri, start, body+armourLen(tail))
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
