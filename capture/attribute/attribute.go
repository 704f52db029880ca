// Package attribute decides, line by line, who wrote a file: an agent (with
// its session, model and tool call) or a human. It replays the file's
// observed history — the content at the base commit, each agent edit's
// before and after contents, changes seen in the work tree that no tool made,
// and finally the committed content — carrying each line's author through
// line diffs. A line is AI-authored if an agent wrote it and nobody changed it
// before the commit; a line a human changed, or wrote between two agent edits,
// is human. It is pure: contents in, labels out.
package attribute

import (
	"sort"
	"strconv"
	"strings"

	"github.com/tracevault/tracevault/capture/linediff"
)

// Origin kinds.
const (
	Human = "human"
	AI    = "ai"
	// Base marks a line that was already in the base version.
	Base = "base"
)

// Origin says who wrote a line.
type Origin struct {
	Kind      string `json:"kind"`
	SessionID string `json:"session,omitempty"`
	Agent     string `json:"agent,omitempty"`
	Model     string `json:"model,omitempty"`
	ToolUseID string `json:"tool,omitempty"`
}

// Step is one observed change of the file. Before is the content the change
// started from (nil when unknown: the previous known content is assumed);
// After is the content it left (nil when the file was deleted). Origin is
// the author of the change.
type Step struct {
	Before *string
	After  *string
	Origin Origin
}

// Replay returns the origin of every line of final, starting from base (nil
// when the file did not exist) and applying steps in order.
func Replay(base *string, steps []Step, final string) []Origin {
	var cur []string
	var labels []Origin
	if base != nil {
		cur = linediff.Lines(*base)
		labels = make([]Origin, len(cur))
		for i := range labels {
			labels[i] = Origin{Kind: Base}
		}
	}
	human := Origin{Kind: Human}
	for _, s := range steps {
		if s.Before != nil {
			cur, labels = carry(cur, labels, linediff.Lines(*s.Before), human)
		}
		if s.After == nil {
			cur, labels = nil, nil
			continue
		}
		cur, labels = carry(cur, labels, linediff.Lines(*s.After), s.Origin)
	}
	_, labels = carry(cur, labels, linediff.Lines(final), human)
	return labels
}

// carry labels the lines of next: lines unchanged from cur keep their label,
// the others get by.
func carry(cur []string, labels []Origin, next []string, by Origin) ([]string, []Origin) {
	m := linediff.Match(cur, next)
	out := make([]Origin, len(next))
	for j, i := range m {
		if i >= 0 {
			out[j] = labels[i]
		} else {
			out[j] = by
		}
	}
	return next, out
}

// Range is a run of consecutive lines (1-based, inclusive) with one origin.
type Range struct {
	Start, End int
	Origin     Origin
}

// Ranges groups the given 1-based line numbers (sorted or not) into runs of
// consecutive lines with the same origin. Base lines count as human.
func Ranges(labels []Origin, lines []int) []Range {
	ls := append([]int(nil), lines...)
	sort.Ints(ls)
	var out []Range
	for _, n := range ls {
		if n < 1 || n > len(labels) {
			continue
		}
		o := labels[n-1]
		if o.Kind == Base {
			o = Origin{Kind: Human}
		}
		if k := len(out) - 1; k >= 0 && out[k].End == n-1 && out[k].Origin == o {
			out[k].End = n
			continue
		}
		out = append(out, Range{Start: n, End: n, Origin: o})
	}
	return out
}

// FormatLines renders 1-based line numbers compactly: "1-3,7,9-10".
func FormatLines(rs []Range) string {
	var b strings.Builder
	for i, r := range rs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(r.Start))
		if r.End != r.Start {
			b.WriteByte('-')
			b.WriteString(strconv.Itoa(r.End))
		}
	}
	return b.String()
}
