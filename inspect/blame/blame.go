// Package blame attributes each line of a file to a human, an AI agent
// (with its session and model) or "unknown", by following `git blame
// --porcelain` to each line's originating commit and original line number
// and looking that line up in the ai ranges of the originating commit's
// TraceVault note. Because blame follows renames, moves and copies (-M -C),
// attribution follows the line wherever it went, and the trace consulted is
// always the one recorded when the line was written.
package blame

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/tracevault/tracevault/capture/record"
	"github.com/tracevault/tracevault/gitstore"
	"github.com/tracevault/tracevault/inspect/history"
)

// Origins of a line.
const (
	OriginHuman   = "human"
	OriginAI      = "ai"
	OriginUnknown = "unknown"
)

// Line is one blamed line.
type Line struct {
	Number   int // in the blamed version, 1-based
	Text     string
	Commit   gitstore.Hash // ZeroHash: not committed yet
	OrigLine int           // line number in Commit's version of OrigPath
	OrigPath string
	Author   string
	Origin   string
	// Range is the ai range covering the line, when Origin is ai.
	Range *record.Range
	// Trace is the verdict on the originating commit's trace.
	Trace history.Status
}

// Parse reads `git blame --porcelain` output.
func Parse(out []byte) ([]Line, error) {
	type meta struct{ author, path string }
	metas := map[gitstore.Hash]*meta{}
	var lines []Line
	var cur *Line
	for len(out) > 0 {
		var l []byte
		if i := bytes.IndexByte(out, '\n'); i >= 0 {
			l, out = out[:i], out[i+1:]
		} else {
			l, out = out, nil
		}
		if cur != nil && len(l) > 0 && l[0] == '\t' {
			cur.Text = string(l[1:])
			m := metas[cur.Commit]
			cur.Author, cur.OrigPath = m.author, m.path
			lines = append(lines, *cur)
			cur = nil
			continue
		}
		if cur == nil {
			f := strings.Fields(string(l))
			if len(f) < 3 {
				return nil, fmt.Errorf("git blame: unexpected line %q", l)
			}
			h, err := gitstore.ParseHash(f[0])
			orig, err1 := strconv.Atoi(f[1])
			final, err2 := strconv.Atoi(f[2])
			if err != nil || err1 != nil || err2 != nil {
				return nil, fmt.Errorf("git blame: unexpected header %q", l)
			}
			cur = &Line{Number: final, Commit: h, OrigLine: orig}
			if metas[h] == nil {
				metas[h] = &meta{}
			}
			continue
		}
		k, v, _ := strings.Cut(string(l), " ")
		switch k {
		case "author":
			metas[cur.Commit].author = v
		case "filename":
			metas[cur.Commit].path = v
		}
	}
	if cur != nil {
		return nil, fmt.Errorf("git blame: output ends inside a line entry")
	}
	return lines, nil
}

// Commits returns the distinct committed commits lines come from.
func Commits(lines []Line) []gitstore.Hash {
	seen := map[gitstore.Hash]bool{}
	var out []gitstore.Hash
	for _, l := range lines {
		if !l.Commit.IsZero() && !seen[l.Commit] {
			seen[l.Commit] = true
			out = append(out, l.Commit)
		}
	}
	return out
}

// Attribute sets each line's Origin, Range and Trace from the traces of
// the originating commits: ai when its original line number falls in an
// ai range the commit's attribution gives its original path, human when
// the commit has a trace and the line is in no ai range, unknown when the
// commit has no trace (or is not committed yet). A trace that fails
// verification still attributes its lines; Trace says it is unverified.
func Attribute(lines []Line, traces map[gitstore.Hash]*history.Trace) {
	idx := map[gitstore.Hash]map[string][]record.Range{}
	for h, t := range traces {
		if t.Attribution == nil {
			continue
		}
		m := map[string][]record.Range{}
		for _, f := range t.Attribution.Files {
			m[f.Path] = append(m[f.Path], f.Ranges...)
		}
		idx[h] = m
	}
	for i := range lines {
		l := &lines[i]
		l.Origin, l.Trace = OriginUnknown, history.StatusNoTrace
		t := traces[l.Commit]
		if t == nil {
			continue
		}
		l.Trace = t.Status
		if t.Status == history.StatusNoTrace || t.Attribution == nil {
			continue
		}
		if t.Attribution.Evidence == "trailer" {
			continue // AI-assisted per trailer; lines unknown
		}
		l.Origin = OriginHuman
		for _, r := range idx[l.Commit][l.OrigPath] {
			if l.OrigLine >= r.Start && l.OrigLine <= r.End {
				l.Origin, l.Range = OriginAI, &r
				break
			}
		}
	}
}
