package redact

import (
	"bytes"
	"slices"
)

// keyword is one literal that makes a rule worth running. The prefilter
// finds every keyword in one pass; a rule's pattern only ever runs near one.
type keyword struct {
	text  string // as written in the rule
	rule  int    // index into Redactor.rules
	exact bool   // the bytes must equal text exactly (otherwise ASCII case and '-'/'_' are folded)
	bound bool   // the byte before must not be an ASCII letter or digit
}

// prefilter is an Aho–Corasick automaton over folded bytes (ASCII lower
// case, '-' read as '_'), stored as a dense transition table over the few
// byte classes that occur in keywords. Scanning costs one table load per
// input byte, whatever the number of keywords.
type prefilter struct {
	class  [256]uint8
	nclass int
	// delta[state+class] is the next state, premultiplied by nclass, with
	// hasOutput set when some keyword ends there.
	delta    []uint32
	outStart []int32 // outputs of state s are outs[outStart[s]:outStart[s+1]] (s not premultiplied)
	outs     []int32 // indexes into kws
	kws      []keyword
}

const hasOutput = 1 << 31

func fold(c byte) byte {
	switch {
	case 'A' <= c && c <= 'Z':
		return c + 'a' - 'A'
	case c == '-':
		return '_'
	}
	return c
}

//go:generate env REDACT_GENERATE=1 go test -run ^TestPrefilterTables$ .

// newPrefilter returns the automaton for kws. For the built-in rules'
// keywords it returns the tables generated into prefilter_tables.go (see
// TestPrefilterTables): building them costs about half a millisecond, which
// every hook process would otherwise pay on its first redaction.
func newPrefilter(kws []keyword) *prefilter {
	if slices.Equal(kws, genKeywords[:]) {
		return &prefilter{kws: kws, class: genClass, nclass: genNClass,
			delta: genDelta[:], outStart: genOutStart[:], outs: genOuts[:]}
	}
	return buildPrefilter(kws)
}

// buildPrefilter builds the automaton for kws.
func buildPrefilter(kws []keyword) *prefilter {
	p := &prefilter{kws: kws, nclass: 1}
	for _, k := range kws {
		for i := 0; i < len(k.text); i++ {
			f := fold(k.text[i])
			if p.class[f] == 0 {
				p.class[f] = uint8(p.nclass)
				p.nclass++
			}
		}
	}
	for c := 0; c < 256; c++ {
		p.class[c] = p.class[fold(byte(c))]
	}
	// Build the trie: goto[s][class], 0 meaning absent (the root is never a target).
	next := [][]int32{make([]int32, p.nclass)}
	own := [][]int32{nil}
	for i, k := range kws {
		s := 0
		for j := 0; j < len(k.text); j++ {
			c := p.class[k.text[j]]
			if next[s][c] == 0 {
				next[s][c] = int32(len(next))
				next = append(next, make([]int32, p.nclass))
				own = append(own, nil)
			}
			s = int(next[s][c])
		}
		own[s] = append(own[s], int32(i))
	}
	p.link(next, own)
	return p
}

// link computes failure links breadth first, completes the transition
// table and merges each state's outputs with those of its failure state.
func (p *prefilter) link(next [][]int32, own [][]int32) {
	n := len(next)
	fail := make([]int32, n)
	outs := make([][]int32, n)
	queue := make([]int32, 0, n)
	for c := 1; c < p.nclass; c++ {
		if t := next[0][c]; t != 0 {
			queue = append(queue, t)
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		outs[s] = append(append([]int32(nil), own[s]...), outs[fail[s]]...)
		for c := 1; c < p.nclass; c++ {
			t := next[s][c]
			if t == 0 {
				next[s][c] = next[fail[s]][c]
				continue
			}
			fail[t] = next[fail[s]][c]
			queue = append(queue, t)
		}
	}
	p.delta = make([]uint32, n*p.nclass)
	p.outStart = make([]int32, n+1)
	for s := 0; s < n; s++ {
		p.outStart[s] = int32(len(p.outs))
		p.outs = append(p.outs, outs[s]...)
		for c := 0; c < p.nclass; c++ {
			t := next[s][c]
			v := uint32(int(t) * p.nclass)
			if len(outs[t]) > 0 {
				v |= hasOutput
			}
			p.delta[s*p.nclass+c] = v
		}
	}
	p.outStart[n] = int32(len(p.outs))
}

// scan calls hit for every keyword occurrence in b, in order of end
// offset, after checking the keyword's case and boundary requirements.
// It stops early, returning false, when hit returns false. With escaped
// set, b is JSON string text whose escapes are not decoded: a letter
// right after a backslash (\n, \t) stands for a byte that is no letter, so
// it does not fail a keyword's boundary requirement.
func (p *prefilter) scan(b []byte, escaped bool, hit func(k *keyword, start, end int) bool) bool {
	var s uint32
	delta, class := p.delta, &p.class
	for i := 0; i < len(b); i++ {
		s = delta[s+uint32(class[b[i]])]
		if s&hasOutput == 0 {
			continue
		}
		s &^= hasOutput
		st := int(s) / p.nclass
		for _, ki := range p.outs[p.outStart[st]:p.outStart[st+1]] {
			k := &p.kws[ki]
			start := i + 1 - len(k.text)
			if k.exact && string(b[start:i+1]) != k.text {
				continue
			}
			if k.bound && start > 0 && (isAlnum(b[start-1]) && !(escaped && start > 1 && b[start-2] == '\\') || afterMarker(b, start)) {
				continue
			}
			if !hit(k, start, i+1) {
				return false
			}
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// afterMarker reports whether b[:start] ends with a redaction marker. A
// marker stands for the word it replaced, so a keyword glued to it is inside
// that word, as it was before redaction: this keeps redaction idempotent.
func afterMarker(b []byte, start int) bool {
	if b[start-1] != ']' {
		return false
	}
	i := bytes.LastIndex(b[:start], []byte(markerPrefix))
	return i >= 0 && bytes.IndexByte(b[i:start-1], ']') < 0 && start-i < 64
}
