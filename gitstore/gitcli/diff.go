package gitcli

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tracevault/tracevault/gitstore"
)

// ParseDiff parses the output of `git diff-tree -r -p -U0 --full-index`
// with a/ and b/ prefixes and C-quoted paths. Hunk bodies are consumed by
// their line counts, so file contents can never be mistaken for headers.
func ParseDiff(out []byte) ([]gitstore.FileDiff, error) {
	lines := strings.SplitAfter(string(out), "\n")
	if n := len(lines); n > 0 && lines[n-1] == "" {
		lines = lines[:n-1]
	}
	var diffs []gitstore.FileDiff
	for i := 0; i < len(lines); {
		if !strings.HasPrefix(lines[i], "diff --git ") {
			return nil, fmt.Errorf("parsing diff: unexpected line %q", lines[i])
		}
		d, n, err := parseFileDiff(lines[i:])
		if err != nil {
			return nil, fmt.Errorf("parsing diff: %w", err)
		}
		diffs = append(diffs, d)
		i += n
	}
	return diffs, nil
}

// parseFileDiff parses one file's section and returns how many lines it used.
func parseFileDiff(lines []string) (gitstore.FileDiff, int, error) {
	d := gitstore.FileDiff{Status: gitstore.StatusModified}
	hdr := strings.TrimSuffix(strings.TrimPrefix(lines[0], "diff --git "), "\n")
	// An unquoted header of a renamed path with spaces cannot be split;
	// the rename and ---/+++ lines below name the paths then.
	d.OldPath, d.NewPath, _ = parseGitHeader(hdr)
	i := 1
	for ; i < len(lines) && !strings.HasPrefix(lines[i], "diff --git ") && !strings.HasPrefix(lines[i], "@@ "); i++ {
		if err := parseExtHeader(&d, strings.TrimSuffix(lines[i], "\n")); err != nil {
			return d, 0, err
		}
	}
	for i < len(lines) && strings.HasPrefix(lines[i], "@@ ") {
		h, n, err := parseHunk(lines[i:])
		if err != nil {
			return d, 0, err
		}
		d.Hunks = append(d.Hunks, h)
		i += n
	}
	switch d.Status {
	case gitstore.StatusAdded:
		d.OldPath = ""
	case gitstore.StatusDeleted:
		d.NewPath = ""
	}
	if (d.OldPath == "" && d.Status != gitstore.StatusAdded) || (d.NewPath == "" && d.Status != gitstore.StatusDeleted) {
		return d, 0, fmt.Errorf("cannot tell the paths of %q", hdr)
	}
	return d, i, nil
}

func parseExtHeader(d *gitstore.FileDiff, line string) error {
	key, val := line, ""
	for _, k := range []string{"old mode ", "new mode ", "deleted file mode ", "new file mode ",
		"similarity index ", "dissimilarity index ", "rename from ", "rename to ",
		"copy from ", "copy to ", "index ", "--- ", "+++ ", "Binary files "} {
		if v, ok := strings.CutPrefix(line, k); ok {
			key, val = k, v
			break
		}
	}
	var err error
	switch key {
	case "old mode ":
		d.OldMode, err = parseDiffMode(val)
	case "new mode ":
		d.NewMode, err = parseDiffMode(val)
		if err == nil && (d.OldMode == gitstore.ModeSymlink) != (d.NewMode == gitstore.ModeSymlink) {
			d.Status = gitstore.StatusType
		}
	case "deleted file mode ":
		d.Status = gitstore.StatusDeleted
		d.OldMode, err = parseDiffMode(val)
	case "new file mode ":
		d.Status = gitstore.StatusAdded
		d.NewMode, err = parseDiffMode(val)
	case "similarity index ", "dissimilarity index ":
		d.Similarity, err = strconv.Atoi(strings.TrimSuffix(val, "%"))
	case "rename from ", "copy from ":
		d.Status = gitstore.StatusRenamed
		if key == "copy from " {
			d.Status = gitstore.StatusCopied
		}
		d.OldPath, err = unquotePath(val)
	case "rename to ", "copy to ":
		d.NewPath, err = unquotePath(val)
	case "index ":
		ids, mode, hasMode := strings.Cut(val, " ")
		if o, n, ok := strings.Cut(ids, ".."); ok {
			if d.OldHash, err = gitstore.ParseHash(o); err == nil {
				d.NewHash, err = gitstore.ParseHash(n)
			}
			if err != nil {
				return fmt.Errorf("header line %q: %w", line, err)
			}
		}
		if hasMode {
			if d.OldMode, err = parseDiffMode(mode); err == nil {
				d.NewMode = d.OldMode
			}
		}
	case "--- ", "+++ ":
		if val != "/dev/null" {
			p, err := unquotePath(strings.TrimSuffix(val, "\t"))
			if err != nil {
				return err
			}
			prefix, path := p[:min(2, len(p))], p[min(2, len(p)):]
			switch {
			case key == "--- " && prefix == "a/":
				d.OldPath = path
			case key == "+++ " && prefix == "b/":
				d.NewPath = path
			default:
				return fmt.Errorf("header line %q: bad prefix", line)
			}
		}
	case "Binary files ":
		d.Binary = true
	default:
		return fmt.Errorf("unexpected header line %q", line)
	}
	if err != nil {
		return fmt.Errorf("header line %q: %w", line, err)
	}
	return nil
}

func parseDiffMode(s string) (gitstore.FileMode, error) {
	m, err := strconv.ParseUint(s, 8, 32)
	if err != nil || !gitstore.FileMode(m).Valid() {
		return 0, fmt.Errorf("bad mode %q", s)
	}
	return gitstore.FileMode(m), nil
}

// parseGitHeader splits "a/<old> b/<new>" where either may be C-quoted.
// Unquoted names containing " b/" are ambiguous; git then prints the
// same name twice, so the split is taken at the midpoint.
func parseGitHeader(s string) (string, string, error) {
	var a, rest string
	if strings.HasPrefix(s, `"`) {
		end := closingQuote(s)
		if end < 0 {
			return "", "", fmt.Errorf("bad diff header %q", s)
		}
		var err error
		if a, err = unquotePath(s[:end+1]); err != nil {
			return "", "", err
		}
		rest = strings.TrimPrefix(s[end+1:], " ")
	} else if strings.HasSuffix(s, `"`) {
		i := strings.LastIndex(s, ` "`)
		if i < 0 {
			return "", "", fmt.Errorf("bad diff header %q", s)
		}
		a, rest = s[:i], s[i+1:]
	} else {
		half := len(s) / 2
		if len(s)%2 != 1 || len(s) < 5 || s[half] != ' ' || !strings.HasPrefix(s, "a/") ||
			!strings.HasPrefix(s[half+1:], "b/") || s[2:half] != s[half+3:] {
			return "", "", fmt.Errorf("ambiguous diff header %q", s)
		}
		a, rest = s[:half], s[half+1:]
	}
	b, err := unquotePath(rest)
	if err != nil {
		return "", "", err
	}
	aa, ok1 := strings.CutPrefix(a, "a/")
	bb, ok2 := strings.CutPrefix(b, "b/")
	if !ok1 || !ok2 {
		return "", "", fmt.Errorf("bad diff header %q", s)
	}
	return aa, bb, nil
}

func closingQuote(s string) int {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}

// unquotePath undoes git's C-style quoting of a path, if quoted.
func unquotePath(s string) (string, error) {
	if !strings.HasPrefix(s, `"`) {
		return s, nil
	}
	if len(s) < 2 || closingQuote(s) != len(s)-1 {
		return "", fmt.Errorf("bad quoted path %q", s)
	}
	var b strings.Builder
	for i := 1; i < len(s)-1; i++ {
		c := s[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		switch e := s[i]; e {
		case 'a', 'b', 't', 'n', 'v', 'f', 'r':
			b.WriteByte("\a\b\t\n\v\f\r"[strings.IndexByte("abtnvfr", e)])
		case '"', '\\':
			b.WriteByte(e)
		case '0', '1', '2', '3':
			if i+3 > len(s)-1 {
				return "", fmt.Errorf("bad quoted path %q", s)
			}
			v, err := strconv.ParseUint(s[i:i+3], 8, 8)
			if err != nil {
				return "", fmt.Errorf("bad quoted path %q", s)
			}
			b.WriteByte(byte(v))
			i += 2
		default:
			return "", fmt.Errorf("bad quoted path %q", s)
		}
	}
	return b.String(), nil
}

// parseHunk parses "@@ -a[,b] +c[,d] @@..." and its body.
func parseHunk(lines []string) (gitstore.Hunk, int, error) {
	var h gitstore.Hunk
	hdr := strings.TrimSuffix(lines[0], "\n")
	f := strings.Fields(hdr)
	if len(f) < 4 || f[3] != "@@" || !strings.HasPrefix(f[1], "-") || !strings.HasPrefix(f[2], "+") {
		return h, 0, fmt.Errorf("bad hunk header %q", hdr)
	}
	var err1, err2 error
	h.OldStart, h.OldLines, err1 = parseRange(f[1][1:])
	h.NewStart, h.NewLines, err2 = parseRange(f[2][1:])
	if err1 != nil || err2 != nil {
		return h, 0, fmt.Errorf("bad hunk header %q", hdr)
	}
	i := 1
	for len(h.Removed) < h.OldLines || len(h.Added) < h.NewLines || (i < len(lines) && strings.HasPrefix(lines[i], `\`)) {
		if i >= len(lines) {
			return h, 0, fmt.Errorf("hunk %q: truncated", hdr)
		}
		l := lines[i]
		text := strings.TrimSuffix(l[1:], "\n")
		switch {
		case l[0] == '-' && len(h.Removed) < h.OldLines:
			h.Removed = append(h.Removed, text)
		case l[0] == '+' && len(h.Added) < h.NewLines:
			h.Added = append(h.Added, text)
		case l[0] == '\\':
		default:
			return h, 0, fmt.Errorf("hunk %q: unexpected line %q", hdr, l)
		}
		i++
	}
	return h, i, nil
}

func parseRange(s string) (start, n int, err error) {
	a, b, ok := strings.Cut(s, ",")
	if start, err = strconv.Atoi(a); err != nil || start < 0 {
		return 0, 0, fmt.Errorf("bad range %q", s)
	}
	n = 1
	if ok {
		if n, err = strconv.Atoi(b); err != nil || n < 0 {
			return 0, 0, fmt.Errorf("bad range %q", s)
		}
	}
	return start, n, nil
}
