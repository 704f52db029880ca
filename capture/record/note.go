package record

import (
	"bytes"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// Note line kinds. A note is a set of lines (order and duplicates do not
// matter, so git's cat_sort_uniq merge is always correct):
//
//	TraceVault: <human summary>
//	tv1 record <writer>/<seq> <chain-commit>
//	tv1 session <session-id> <agent> <models,comma-separated|->
//	tv1 file <ai-lines> <human-lines> <path>
//	tv1 ai <path> <start>-<end> <session-id> <agent> <model|-> <tool-call|->
//	tv1 assisted <agent> <model|-> <trailer>
//
// Paths and free text are URL path-escaped so that fields never contain
// spaces. Every tv1 line is derived from the commit record it names, so a
// note can always be rebuilt, and checked, from the records.
const notePrefix = "tv1 "

// RenderNote renders the note of a commit record stored as st.
func RenderNote(st *Stored) ([]byte, error) {
	c, err := st.Envelope.Commit()
	if err != nil {
		return nil, err
	}
	var lines []string
	lines = append(lines, Summary(c))
	lines = append(lines, fmt.Sprintf("tv1 record %s %s", st.Envelope.ID(), st.Commit))
	for _, s := range c.Sessions {
		lines = append(lines, fmt.Sprintf("tv1 session %s %s %s", esc(s.ID), esc(s.Agent), dash(strings.Join(s.Models, ","))))
	}
	for _, f := range c.Files {
		lines = append(lines, fmt.Sprintf("tv1 file %d %d %s", f.AI, f.Human, esc(f.Path)))
		for _, r := range f.Ranges {
			lines = append(lines, fmt.Sprintf("tv1 ai %s %d-%d %s %s %s %s", esc(f.Path), r.Start, r.End, esc(r.Session), esc(r.Agent), dash(r.Model), dash(r.Tool)))
		}
	}
	for _, a := range c.Assisted {
		lines = append(lines, fmt.Sprintf("tv1 assisted %s %s %s", esc(a.Agent), dash(a.Model), esc(a.Trailer)))
	}
	sort.Strings(lines)
	var b bytes.Buffer
	prev := ""
	for _, l := range lines {
		if l != prev {
			b.WriteString(l)
			b.WriteByte('\n')
		}
		prev = l
	}
	return b.Bytes(), nil
}

// Summary is the human line of a commit's note.
func Summary(c *CommitAttribution) string {
	total := c.AILines + c.HumanLines
	var who []string
	seen := map[string]bool{}
	for _, s := range c.Sessions {
		w := s.Agent
		if len(s.Models) > 0 {
			w += " (" + strings.Join(s.Models, ", ") + ")"
		}
		if !seen[w] {
			seen[w] = true
			who = append(who, w)
		}
	}
	if c.Evidence == "trailer" {
		var as []string
		for _, a := range c.Assisted {
			as = append(as, a.Agent+" "+a.Model)
		}
		return "TraceVault: AI-assisted per commit trailer (" + strings.TrimSpace(strings.Join(as, ", ")) + "); lines unknown"
	}
	if total == 0 {
		return "TraceVault: no added lines; " + plural(len(c.Sessions), "session")
	}
	s := fmt.Sprintf("TraceVault: %.0f%% AI (%d of %d added lines)", c.AIPercent(), c.AILines, total)
	if len(who) > 0 {
		s += " by " + strings.Join(who, ", ")
	}
	return s + " in " + plural(len(c.Sessions), "session")
}

func esc(s string) string {
	if s == "" {
		return "-"
	}
	return url.PathEscape(s)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return esc(s)
}

func unesc(s string) (string, error) {
	if s == "-" {
		return "", nil
	}
	return url.PathUnescape(s)
}

// Note is a parsed note.
type Note struct {
	Summaries []string
	Records   []NoteRecord
	Sessions  []NoteSession
	Files     []NoteFile
	Ranges    []NoteRange
	Assisted  []Assist
	// Lines holds every tv1 line, for comparison with a re-rendering.
	Lines []string
}

// NoteRecord links a commit record.
type NoteRecord struct {
	ID     string // writer/seq
	Commit string // chain commit id
}

// NoteSession is a session line.
type NoteSession struct {
	ID, Agent string
	Models    []string
}

// NoteFile is a file line.
type NoteFile struct {
	Path      string
	AI, Human int
}

// NoteRange is an ai line.
type NoteRange struct {
	Path                        string
	Start, End                  int
	Session, Agent, Model, Tool string
}

// ParseNote parses a note strictly; a malformed or truncated line is an
// error naming it. Lines of other versions are ignored.
func ParseNote(b []byte) (*Note, error) {
	n := &Note{}
	if len(b) > 0 && b[len(b)-1] != '\n' {
		return nil, fmt.Errorf("note is truncated: no final newline")
	}
	for i, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "TraceVault: ") {
			n.Summaries = append(n.Summaries, line)
			continue
		}
		if !strings.HasPrefix(line, notePrefix) {
			continue
		}
		if err := n.parseLine(line); err != nil {
			return nil, fmt.Errorf("note line %d %q: %w", i+1, line, err)
		}
		n.Lines = append(n.Lines, line)
	}
	if len(n.Lines) > 0 && len(n.Records) == 0 {
		return nil, fmt.Errorf("note is truncated or altered: no record line")
	}
	return n, nil
}

func (n *Note) parseLine(line string) error {
	f := strings.Split(line, " ")
	want := map[string]int{"record": 4, "session": 5, "file": 5, "ai": 8, "assisted": 5}
	if w, ok := want[f[1]]; !ok || len(f) != w {
		return fmt.Errorf("malformed")
	}
	u := make([]string, len(f))
	for i := 2; i < len(f); i++ {
		v, err := unesc(f[i])
		if err != nil {
			return fmt.Errorf("bad escape: %w", err)
		}
		u[i] = v
	}
	atoi := func(s string) (int, error) {
		v, err := strconv.Atoi(s)
		if err != nil || v < 0 || strconv.Itoa(v) != s {
			return 0, fmt.Errorf("bad number %q", s)
		}
		return v, nil
	}
	switch f[1] {
	case "record":
		n.Records = append(n.Records, NoteRecord{ID: u[2], Commit: u[3]})
	case "session":
		var models []string
		if u[4] != "" {
			models = strings.Split(u[4], ",")
		}
		n.Sessions = append(n.Sessions, NoteSession{ID: u[2], Agent: u[3], Models: models})
	case "file":
		ai, err1 := atoi(f[2])
		hu, err2 := atoi(f[3])
		if err1 != nil || err2 != nil {
			return fmt.Errorf("bad line counts")
		}
		n.Files = append(n.Files, NoteFile{Path: u[4], AI: ai, Human: hu})
	case "ai":
		a, b, ok := strings.Cut(f[3], "-")
		s, err1 := atoi(a)
		e, err2 := atoi(b)
		if !ok || err1 != nil || err2 != nil || s < 1 || e < s {
			return fmt.Errorf("bad line range %q", f[3])
		}
		n.Ranges = append(n.Ranges, NoteRange{Path: u[2], Start: s, End: e, Session: u[4], Agent: u[5], Model: u[6], Tool: u[7]})
	case "assisted":
		n.Assisted = append(n.Assisted, Assist{Agent: u[2], Model: u[3], Trailer: u[4]})
	}
	return nil
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
