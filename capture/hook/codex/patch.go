package codex

import (
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/tracevault/tracevault/capture"
)

// Patch envelope markers of Codex's apply_patch tool.
const (
	beginPatch  = "*** Begin Patch"
	endPatch    = "*** End Patch"
	addFile     = "*** Add File: "
	deleteFile  = "*** Delete File: "
	updateFile  = "*** Update File: "
	moveTo      = "*** Move to: "
	endOfFile   = "*** End of File"
	hunkPrefix  = "@@"
	patchMarker = "*** "
)

// ErrBadPatch reports an apply_patch text that does not follow the envelope
// grammar; errors from [ParsePatch] and [ApplyPatch] wrap it.
var ErrBadPatch = errors.New("codex: malformed apply_patch text")

// FilePatch is one file section of an apply_patch envelope.
type FilePatch struct {
	// Op is capture.OpCreate (Add File), capture.OpModify (Update File),
	// capture.OpDelete (Delete File) or capture.OpRename (Update File with
	// Move to).
	Op   string
	Path string
	// MoveTo is the new path of a renamed file.
	MoveTo string
	// Content is the full text of an added file, each line ending in "\n".
	Content string
	Hunks   []Hunk
}

// Hunk is one "@@" section of an Update File: context (' '), removed ('-')
// and added ('+') lines, optionally anchored by the text after "@@" and
// optionally pinned to the end of the file.
type Hunk struct {
	Anchor    string
	Lines     []HunkLine
	EndOfFile bool
}

// HunkLine is one line of a [Hunk]. Op is ' ', '-' or '+'.
type HunkLine struct {
	Op   byte
	Text string
}

// oldNew returns the hunk's lines before and after the change.
func (h Hunk) oldNew() (old, new []string) {
	for _, l := range h.Lines {
		if l.Op != '+' {
			old = append(old, l.Text)
		}
		if l.Op != '-' {
			new = append(new, l.Text)
		}
	}
	return old, new
}

// ParsePatch parses an apply_patch envelope ("*** Begin Patch" …
// "*** End Patch"). Like Codex it tolerates a heredoc wrapper
// (`apply_patch <<'EOF'` … `EOF`), surrounding blank lines and whitespace
// around markers, and a missing "*** End Patch" at the very end of the text.
func ParsePatch(text string) ([]FilePatch, error) {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	start := -1
	for i, l := range lines {
		if strings.TrimSpace(l) == beginPatch {
			start = i
			break
		}
	}
	if start < 0 {
		return nil, fmt.Errorf("%w: no %q line", ErrBadPatch, beginPatch)
	}
	p := patchParser{lines: lines, i: start + 1}
	files, err := p.parse()
	if err != nil {
		return nil, err
	}
	return files, nil
}

type patchParser struct {
	lines []string
	i     int
}

func (p *patchParser) parse() ([]FilePatch, error) {
	var files []FilePatch
	for p.i < len(p.lines) {
		line := strings.TrimSpace(p.lines[p.i])
		switch {
		case line == endPatch:
			if len(files) == 0 {
				return nil, fmt.Errorf("%w: empty patch", ErrBadPatch)
			}
			return files, nil
		case line == "":
			p.i++
		case strings.HasPrefix(line, addFile):
			p.i++
			files = append(files, p.parseAdd(strings.TrimSpace(line[len(addFile):])))
		case strings.HasPrefix(line, deleteFile):
			p.i++
			files = append(files, FilePatch{Op: capture.OpDelete, Path: strings.TrimSpace(line[len(deleteFile):])})
		case strings.HasPrefix(line, updateFile):
			p.i++
			fp, err := p.parseUpdate(strings.TrimSpace(line[len(updateFile):]))
			if err != nil {
				return nil, err
			}
			files = append(files, fp)
		default:
			return nil, fmt.Errorf("%w: line %d: unexpected %q", ErrBadPatch, p.i+1, line)
		}
	}
	// Text ended without "*** End Patch": accept what was read when the
	// envelope held at least one file (Codex's lenient mode), else reject.
	if len(files) == 0 {
		return nil, fmt.Errorf("%w: no %q line", ErrBadPatch, endPatch)
	}
	return files, nil
}

func (p *patchParser) parseAdd(name string) FilePatch {
	var b strings.Builder
	for ; p.i < len(p.lines); p.i++ {
		l := p.lines[p.i]
		if !strings.HasPrefix(l, "+") {
			break
		}
		b.WriteString(l[1:])
		b.WriteByte('\n')
	}
	return FilePatch{Op: capture.OpCreate, Path: name, Content: b.String()}
}

func (p *patchParser) parseUpdate(name string) (FilePatch, error) {
	fp := FilePatch{Op: capture.OpModify, Path: name}
	if p.i < len(p.lines) && strings.HasPrefix(strings.TrimSpace(p.lines[p.i]), moveTo) {
		fp.Op = capture.OpRename
		fp.MoveTo = strings.TrimSpace(strings.TrimSpace(p.lines[p.i])[len(moveTo):])
		p.i++
	}
	for p.i < len(p.lines) {
		raw := p.lines[p.i]
		trimmed := strings.TrimSpace(raw)
		if strings.HasPrefix(trimmed, patchMarker) && trimmed != endOfFile {
			break
		}
		if trimmed == "" && p.atSectionEnd() {
			p.i++
			continue
		}
		h, err := p.parseHunk(len(fp.Hunks) == 0)
		if err != nil {
			return FilePatch{}, fmt.Errorf("update %s: %w", name, err)
		}
		fp.Hunks = append(fp.Hunks, h)
	}
	if len(fp.Hunks) == 0 && fp.Op == capture.OpModify {
		return FilePatch{}, fmt.Errorf("%w: update %s has no hunks", ErrBadPatch, name)
	}
	return fp, nil
}

// atSectionEnd reports whether only blank lines remain before the next
// marker or the end of the text.
func (p *patchParser) atSectionEnd() bool {
	for j := p.i; j < len(p.lines); j++ {
		t := strings.TrimSpace(p.lines[j])
		if t == "" {
			continue
		}
		return strings.HasPrefix(t, patchMarker) && t != endOfFile
	}
	return true
}

// parseHunk reads one hunk. The first hunk of a file may omit its "@@" line.
func (p *patchParser) parseHunk(first bool) (Hunk, error) {
	var h Hunk
	line := p.lines[p.i]
	switch {
	case strings.TrimSpace(line) == hunkPrefix:
		p.i++
	case strings.HasPrefix(line, hunkPrefix+" "):
		h.Anchor = line[len(hunkPrefix)+1:]
		p.i++
	case !first:
		return Hunk{}, fmt.Errorf("%w: line %d: expected %q, got %q", ErrBadPatch, p.i+1, hunkPrefix, line)
	}
	for ; p.i < len(p.lines); p.i++ {
		l := p.lines[p.i]
		if strings.TrimSpace(l) == endOfFile {
			h.EndOfFile = true
			p.i++
			break
		}
		if strings.HasPrefix(l, hunkPrefix) || strings.HasPrefix(strings.TrimSpace(l), patchMarker) {
			break
		}
		switch {
		case l == "":
			// An empty line inside a hunk is an empty context line, unless
			// only blank lines remain before the next marker.
			if p.atSectionEnd() {
				return h, p.checkHunk(h)
			}
			h.Lines = append(h.Lines, HunkLine{Op: ' '})
		case l[0] == ' ' || l[0] == '-' || l[0] == '+':
			h.Lines = append(h.Lines, HunkLine{Op: l[0], Text: l[1:]})
		default:
			return Hunk{}, fmt.Errorf("%w: line %d: unexpected %q in hunk", ErrBadPatch, p.i+1, l)
		}
	}
	return h, p.checkHunk(h)
}

func (p *patchParser) checkHunk(h Hunk) error {
	if len(h.Lines) == 0 {
		return fmt.Errorf("%w: line %d: empty hunk", ErrBadPatch, p.i+1)
	}
	return nil
}

// ApplyPatch applies the hunks of an Update File section to the original
// text and returns the new text. Each hunk's old lines (context and removed)
// are found in order, first exactly, then ignoring trailing whitespace, then
// ignoring surrounding whitespace, after the line matching the hunk's anchor
// if it has one; an end-of-file hunk is matched at the end of the file.
func ApplyPatch(original string, hunks []Hunk) (string, error) {
	out, _, err := applyHunks(original, hunks)
	return out, err
}

// applyHunks applies hunks and returns the new text and, per hunk, the
// 0-based line index in the original where its old lines start.
func applyHunks(original string, hunks []Hunk) (string, []int, error) {
	lines := splitLines(original)
	var result []string
	starts := make([]int, len(hunks))
	cursor := 0
	for i, h := range hunks {
		old, new := h.oldNew()
		from := cursor
		if h.Anchor != "" {
			if at := seek(lines, []string{h.Anchor}, cursor, false); at >= 0 {
				from = at + 1
			} else {
				return "", nil, fmt.Errorf("%w: hunk %d: anchor %q not found", ErrBadPatch, i+1, h.Anchor)
			}
		}
		at := seek(lines, old, from, h.EndOfFile)
		if at < 0 && len(old) > 0 && old[len(old)-1] == "" {
			// A trailing empty context line may stand for the final newline.
			old = old[:len(old)-1]
			if len(new) > 0 && new[len(new)-1] == "" {
				new = new[:len(new)-1]
			}
			at = seek(lines, old, from, h.EndOfFile)
		}
		if at < 0 {
			return "", nil, fmt.Errorf("%w: hunk %d: context not found", ErrBadPatch, i+1)
		}
		starts[i] = at
		result = append(result, lines[cursor:at]...)
		result = append(result, new...)
		cursor = at + len(old)
	}
	result = append(result, lines[cursor:]...)
	if len(result) == 0 {
		return "", starts, nil
	}
	return strings.Join(result, "\n") + "\n", starts, nil
}

// splitLines splits text into lines without their "\n"; a final newline does
// not start an extra empty line.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// seek finds pattern in lines at or after start, trying exact, trailing-space
// insensitive and space insensitive comparison in turn; atEnd prefers a match
// ending at the last line. It returns -1 when there is no match.
func seek(lines, pattern []string, start int, atEnd bool) int {
	if len(pattern) == 0 {
		if atEnd {
			return len(lines)
		}
		return start
	}
	norms := []func(string) string{
		func(s string) string { return s },
		func(s string) string { return strings.TrimRight(s, " \t") },
		strings.TrimSpace,
	}
	for _, norm := range norms {
		if atEnd {
			if at := len(lines) - len(pattern); at >= start && match(lines[at:], pattern, norm) {
				return at
			}
		}
		for at := start; at+len(pattern) <= len(lines); at++ {
			if match(lines[at:], pattern, norm) {
				return at
			}
		}
	}
	return -1
}

func match(lines, pattern []string, norm func(string) string) bool {
	for i, p := range pattern {
		if norm(lines[i]) != norm(p) {
			return false
		}
	}
	return true
}

// Edits turns parsed patch sections into file edits. Paths are made relative
// to cwd (slash-separated) when they are absolute and inside it. When
// original is non-nil it is asked for the current text of each updated or
// deleted file (by the path as written in the patch); with it the diff
// carries real line numbers and Original and Content are filled. Without it,
// or when it fails, update hunks are rendered with unknown start lines
// ("@@ -1,n +1,m @@", which git apply relocates by context).
func Edits(files []FilePatch, cwd string, original func(path string) (string, error)) []capture.FileEdit {
	edits := make([]capture.FileEdit, 0, len(files))
	for _, f := range files {
		e := capture.FileEdit{Tool: "apply_patch", Op: f.Op, Path: relPath(f.Path, cwd)}
		switch f.Op {
		case capture.OpCreate:
			content := f.Content
			e.Content = &content
			e.Added = len(splitLines(content))
			e.Diff = unifiedHeader("/dev/null", "b/"+e.Path) + hunkText(0, 0, nil, splitLines(content))
		case capture.OpDelete:
			e.Diff = unifiedHeader("a/"+e.Path, "/dev/null")
			if original != nil {
				if text, err := original(f.Path); err == nil {
					e.Original = &text
					old := splitLines(text)
					e.Removed = len(old)
					e.Diff += hunkText(1, 0, old, nil)
				}
			}
		default:
			if f.MoveTo != "" {
				e.OldPath, e.Path = e.Path, relPath(f.MoveTo, cwd)
			}
			fillUpdate(&e, f, original)
		}
		edits = append(edits, e)
	}
	return edits
}

func fillUpdate(e *capture.FileEdit, f FilePatch, original func(string) (string, error)) {
	oldName := e.Path
	if e.OldPath != "" {
		oldName = e.OldPath
	}
	var starts []int
	if original != nil {
		if text, err := original(f.Path); err == nil {
			if after, s, err := applyHunks(text, f.Hunks); err == nil {
				e.Original, e.Content, starts = &text, &after, s
			}
		}
	}
	var b strings.Builder
	b.WriteString(unifiedHeader("a/"+oldName, "b/"+e.Path))
	shift := 0
	for i, h := range f.Hunks {
		var ctxOld, ctxNew []string
		for _, l := range h.Lines {
			switch l.Op {
			case '-':
				e.Removed++
			case '+':
				e.Added++
			}
		}
		ctxOld, ctxNew = h.oldNew()
		oldStart := 1
		if starts != nil {
			oldStart = starts[i] + 1
		}
		fmt.Fprintf(&b, "@@ -%s +%s @@\n", rangeOf(oldStart, len(ctxOld)), rangeOf(oldStart+shift, len(ctxNew)))
		for _, l := range h.Lines {
			b.WriteByte(l.Op)
			b.WriteString(l.Text)
			b.WriteByte('\n')
		}
		if starts != nil {
			shift += len(ctxNew) - len(ctxOld)
		}
	}
	e.Diff = b.String()
}

func unifiedHeader(from, to string) string {
	return "--- " + from + "\n+++ " + to + "\n"
}

// hunkText renders a whole-file hunk removing old and adding new.
func hunkText(oldStart, newStart int, old, new []string) string {
	if len(old) == 0 && len(new) == 0 {
		return ""
	}
	if len(new) > 0 {
		newStart = 1
	}
	var b strings.Builder
	fmt.Fprintf(&b, "@@ -%s +%s @@\n", rangeOf(oldStart, len(old)), rangeOf(newStart, len(new)))
	for _, l := range old {
		b.WriteString("-" + l + "\n")
	}
	for _, l := range new {
		b.WriteString("+" + l + "\n")
	}
	return b.String()
}

// rangeOf formats a unified diff range; an empty range starts one line
// earlier, as diff(1) writes it.
func rangeOf(start, n int) string {
	if n == 0 {
		return fmt.Sprintf("%d,0", max(start-1, 0))
	}
	if n == 1 {
		return fmt.Sprint(start)
	}
	return fmt.Sprintf("%d,%d", start, n)
}

// relPath makes p relative to cwd when it is absolute and inside cwd, and
// returns it slash-separated and cleaned.
func relPath(p, cwd string) string {
	if p == "" {
		return ""
	}
	if filepath.IsAbs(p) && cwd != "" {
		if r, err := filepath.Rel(cwd, p); err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator)) {
			return filepath.ToSlash(r)
		}
	}
	return path.Clean(filepath.ToSlash(p))
}
