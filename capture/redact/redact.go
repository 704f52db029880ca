package redact

import (
	"bytes"
	"cmp"
	"fmt"
	"regexp"
	"slices"
)

// markerPrefix starts every marker; text that already holds a marker is
// never flagged again, which makes redaction idempotent.
const markerPrefix = "[REDACTED:"

// Finding is one secret reported by [Redactor.Find]: the id of the rule
// that matched and the byte range b[Start:End] the secret occupies.
type Finding struct {
	Rule       string
	Start, End int
}

// Rule is a caller-supplied detection rule for [Config]. The pattern runs
// only near an occurrence of one of its keywords, so a match must lie
// within 256 bytes of a keyword.
type Rule struct {
	// ID names the rule in markers: lower-case letters, digits and '-'.
	ID string
	// Keywords are literals (at least 3 bytes), matched ignoring ASCII case,
	// at least one of which occurs in or near every secret the rule finds.
	Keywords []string
	// Pattern is an RE2 expression (package regexp syntax).
	Pattern string
	// Group is the submatch that holds the secret; 0 means the whole match.
	Group int
}

// Config configures [New].
type Config struct {
	// Rules are added to the built-in rules.
	Rules []Rule
	// Disable lists ids of built-in rules to switch off.
	Disable []string
	// Allow lists exact secret values that are never redacted.
	Allow []string
}

// Redactor finds and masks secrets. The zero value is not usable; use
// [Default] or [New]. A Redactor is immutable and safe for concurrent use.
type Redactor struct {
	rules  []*rule
	pre    *prefilter
	allow  map[string]bool
	assign [3]int // index of the assignment rule for each keyClass, or -1
}

// defaultRedactor is New(Config{}) laid out by the compiler from the static
// rule table and the generated prefilter tables, so that a hook process
// builds nothing before its first redaction (TestDefaultIsNew checks that it
// equals what New builds). The regular expressions of each rule are
// compiled the first time a keyword of that rule is seen.
var defaultRedactor = Redactor{
	rules: builtin[:],
	pre: &prefilter{kws: genKeywords[:], class: genClass, nclass: genNClass,
		delta: genDelta[:], outStart: genOutStart[:], outs: genOuts[:]},
	assign: genAssign,
}

// Default returns the process-wide redactor with the built-in rules.
func Default() *Redactor { return &defaultRedactor }

// ruleIDPattern is what a user rule id must match.
const ruleIDPattern = `^[a-z0-9][a-z0-9-]*$`

func validRuleID(id string) bool {
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' && i > 0) {
			return false
		}
	}
	return id != ""
}

// New returns a redactor with the built-in rules, adjusted by c. It
// reports an error for a malformed rule, a duplicate id or an unknown id
// in c.Disable.
func New(c Config) (*Redactor, error) {
	off := make(map[string]bool)
	for _, id := range c.Disable {
		off[id] = true
	}
	r := &Redactor{allow: make(map[string]bool)}
	seen := make(map[string]bool)
	for _, rl := range builtinRules() {
		seen[rl.id] = true
		if !off[rl.id] {
			r.rules = append(r.rules, rl)
		}
		delete(off, rl.id)
	}
	for id := range off {
		return nil, fmt.Errorf("redact: disabling rule %q: no such rule", id)
	}
	for _, ur := range c.Rules {
		rl, err := userRule(ur)
		if err != nil {
			return nil, err
		}
		if seen[rl.id] {
			return nil, fmt.Errorf("redact: rule %q: duplicate id", rl.id)
		}
		seen[rl.id] = true
		r.rules = append(r.rules, rl)
	}
	for _, v := range c.Allow {
		r.allow[v] = true
	}
	r.assign = [3]int{-1, -1, -1}
	var kws []keyword
	for i, rl := range r.rules {
		if rl.class != keyNone {
			r.assign[rl.class] = i
		}
		for _, k := range rl.keywords {
			kws = append(kws, keyword{text: k, rule: i, exact: true, bound: rl.bound})
		}
		for _, k := range rl.ciKeywords {
			kws = append(kws, keyword{text: k, rule: i})
		}
	}
	r.pre = newPrefilter(kws)
	return r, nil
}

func userRule(u Rule) (*rule, error) {
	if !validRuleID(u.ID) {
		return nil, fmt.Errorf("redact: rule %q: id must match %s", u.ID, ruleIDPattern)
	}
	if len(u.Keywords) == 0 {
		return nil, fmt.Errorf("redact: rule %q: no keywords", u.ID)
	}
	for _, k := range u.Keywords {
		if len(k) < 3 {
			return nil, fmt.Errorf("redact: rule %q: keyword %q shorter than 3 bytes", u.ID, k)
		}
	}
	re, err := regexp.Compile(u.Pattern)
	if err != nil {
		return nil, fmt.Errorf("redact: rule %q: %w", u.ID, err)
	}
	if u.Group < 0 || u.Group > re.NumSubexp() {
		return nil, fmt.Errorf("redact: rule %q: group %d out of range", u.ID, u.Group)
	}
	rl := &rule{
		id: u.ID, ciKeywords: u.Keywords, pattern: u.Pattern,
		group: u.Group, back: 256, fwd: 256, prio: prioSpecific,
	}
	rl.compiled.Store(re)
	return rl, nil
}

// Find reports the secrets in b, sorted by offset and never overlapping.
// Where two rules match overlapping text the findings are merged and the
// more specific rule names the result. Offsets fall on UTF-8 boundaries.
func (r *Redactor) Find(b []byte) []Finding {
	sc := scan{r: r, b: b}
	r.pre.scan(b, false, sc.hit)
	sc.flushAll()
	return sc.result()
}

// Bytes returns b with every secret replaced by a marker
// "[REDACTED:<rule-id>]". It returns b itself, not a copy, when nothing was
// found. The output is valid UTF-8 when b is.
func (r *Redactor) Bytes(b []byte) []byte {
	f := r.Find(b)
	if len(f) == 0 {
		return b
	}
	return r.settle(apply(b, f))
}

// maxPasses bounds settle.
const maxPasses = 4

// settle redacts again until nothing changes: a marker's closing bracket
// is a word boundary, so a secret glued to one just redacted becomes
// visible only then. It keeps redaction idempotent.
func (r *Redactor) settle(b []byte) []byte {
	for i := 0; i < maxPasses; i++ {
		f := r.Find(b)
		if len(f) == 0 {
			return b
		}
		b = apply(b, f)
	}
	return b
}

// String is [Redactor.Bytes] for strings.
func (r *Redactor) String(s string) string {
	b := []byte(s)
	f := r.Find(b)
	if len(f) == 0 {
		return s
	}
	return string(r.settle(apply(b, f)))
}

// apply replaces each finding in b with its marker.
func apply(b []byte, fs []Finding) []byte {
	n := len(b)
	for _, f := range fs {
		n += len(markerPrefix) + len(f.Rule) + 1 - (f.End - f.Start)
	}
	out := make([]byte, 0, n)
	last := 0
	for _, f := range fs {
		out = append(out, b[last:f.Start]...)
		out = appendMarker(out, f.Rule)
		last = f.End
	}
	return append(out, b[last:]...)
}

func appendMarker(dst []byte, id string) []byte {
	dst = append(dst, markerPrefix...)
	dst = append(dst, id...)
	return append(dst, ']')
}

// candidate is a finding before merging; prio orders overlapping rules.
type candidate struct {
	rule       int
	start, end int
}

// scan is the state of one Find call.
type scan struct {
	r     *Redactor
	b     []byte
	cands []candidate
	pend  []window // per rule, the region its pattern still has to search
	pem   pemSearch
}

type window struct {
	start, end int
	ok         bool
}

// maxWindow bounds the region one regexp call searches, so a payload dense
// with keywords is searched in pieces rather than in one call.
const maxWindow = 64 << 10

func (sc *scan) hit(k *keyword, start, end int) bool {
	rl := sc.r.rules[k.rule]
	if rl.match != nil {
		rl.match(sc, k.rule, start, end)
		return true
	}
	if rl.gate != nil && !rl.gate(sc.b, start, end) {
		return true
	}
	ws, we := max(0, start-rl.back), min(len(sc.b), end+rl.fwd)
	if sc.pend == nil {
		sc.pend = make([]window, len(sc.r.rules))
	}
	p := &sc.pend[k.rule]
	if p.ok && ws <= p.end && we-p.start <= maxWindow {
		p.end = max(p.end, we)
		return true
	}
	if p.ok {
		sc.search(k.rule, p.start, p.end)
	}
	*p = window{start: ws, end: we, ok: true}
	return true
}

func (sc *scan) flushAll() {
	for i, p := range sc.pend {
		if p.ok {
			sc.search(i, p.start, p.end)
		}
	}
}

// search runs rule ri's pattern over b[start:end], widened so that it
// neither starts nor ends inside a token: a match the pattern finds in the
// window is then the match it would find in the whole input.
func (sc *scan) search(ri, start, end int) {
	b := sc.b
	for lim := max(0, start-256); start > lim && isTokenByte(b[start-1]); {
		start--
	}
	for lim := min(len(b), end+1024); end < lim && isTokenByte(b[end]); {
		end++
	}
	rl := sc.r.rules[ri]
	for _, m := range rl.re().FindAllSubmatchIndex(b[start:end], -1) {
		g := 2 * rl.group
		if rl.group < 0 { // the first group that took part in the match
			for g = 2; g < len(m)-2 && m[g] < 0; g += 2 {
			}
		}
		if m[g] >= 0 {
			sc.emit(ri, start+m[g], start+m[g+1])
		}
	}
}

func isTokenByte(c byte) bool {
	return isAlnum(c) || c == '_' || c == '-' || c == '+' || c == '/' || c == '=' || c == '.' || c == '~'
}

// emit records b[start:end], widened to whole UTF-8 sequences, as a secret
// found by rule ri unless it is a marker, a placeholder or allowlisted.
func (sc *scan) emit(ri, start, end int) {
	if end <= start {
		return
	}
	v := sc.b[start:end]
	rl := sc.r.rules[ri]
	if overlapsMarker(sc.b, start, end) || sc.r.allow[string(v)] {
		return
	}
	if !rl.keepPlaceholders && (isDocExample(v) || hasRun(v, 6)) {
		return
	}
	if rl.check != nil && !rl.check(v) {
		return
	}
	b := sc.b
	for start > 0 && b[start]&0xC0 == 0x80 {
		start--
	}
	for end < len(b) && b[end]&0xC0 == 0x80 {
		end++
	}
	sc.cands = append(sc.cands, candidate{rule: ri, start: start, end: end})
}

// overlapsMarker reports whether b[start:end] overlaps a marker, so that
// no rule ever reads part of a marker as a secret.
func overlapsMarker(b []byte, start, end int) bool {
	const maxMarker = 64
	lo, hi := max(0, start-maxMarker), min(len(b), end+len(markerPrefix)-1)
	for {
		i := bytes.Index(b[lo:hi], []byte(markerPrefix))
		if i < 0 || lo+i >= end {
			return false
		}
		m := lo + i
		j := bytes.IndexByte(b[m:min(len(b), m+maxMarker)], ']')
		if j >= 0 && m+j >= start {
			return true
		}
		lo = m + 1
	}
}

// result sorts and merges the candidates into findings.
func (sc *scan) result() []Finding {
	if len(sc.cands) == 0 {
		return nil
	}
	cs := sc.cands
	slices.SortFunc(cs, func(a, b candidate) int {
		return cmp.Or(cmp.Compare(a.start, b.start), cmp.Compare(b.end, a.end))
	})
	var out []Finding
	cur := cs[0]
	for _, c := range cs[1:] {
		if c.start < cur.end {
			if sc.r.rules[c.rule].prio > sc.r.rules[cur.rule].prio {
				cur.rule = c.rule
			}
			cur.end = max(cur.end, c.end)
			continue
		}
		out = append(out, sc.finding(cur))
		cur = c
	}
	return append(out, sc.finding(cur))
}

func (sc *scan) finding(c candidate) Finding {
	return Finding{Rule: sc.r.rules[c.rule].id, Start: c.start, End: c.end}
}
