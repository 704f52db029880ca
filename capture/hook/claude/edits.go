package claude

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/tracevault/tracevault/capture"
)

// hunk is one element of a structuredPatch.
type hunk struct {
	OldStart int      `json:"oldStart"`
	OldLines int      `json:"oldLines"`
	NewStart int      `json:"newStart"`
	NewLines int      `json:"newLines"`
	Lines    []string `json:"lines"`
}

// fileResponse is the structured tool output of Write, Edit and MultiEdit
// (and, with other names, NotebookEdit).
type fileResponse struct {
	Type                 string  `json:"type"`
	FilePath             string  `json:"filePath"`
	Content              *string `json:"content"`
	OriginalFile         *string `json:"originalFile"`
	OriginalFileContents *string `json:"originalFileContents"`
	StructuredPatch      []hunk  `json:"structuredPatch"`
	// NotebookEdit
	NotebookPath string  `json:"notebook_path"`
	OrigNotebook *string `json:"original_file"`
	NewNotebook  *string `json:"updated_file"`
}

// editsFromResponse derives the file edit a successful file tool call made
// from its structured response (falling back to its input).
func editsFromResponse(tool string, input, response json.RawMessage) []capture.FileEdit {
	if ToolKind(tool) != capture.ToolFileEdit {
		return nil
	}
	var r fileResponse
	if len(response) > 0 && response[0] == '{' {
		decodeResponse(response, &r)
	}
	path := firstNonEmpty(r.FilePath, r.NotebookPath)
	if path == "" {
		if t := EditTargets(tool, input); len(t) > 0 {
			path = t[0]
		}
	}
	if path == "" {
		return nil
	}
	e := capture.FileEdit{Tool: tool, Path: path, Op: capture.OpModify}
	switch {
	case r.OriginalFile != nil:
		e.Original = r.OriginalFile
	case r.OriginalFileContents != nil:
		e.Original = r.OriginalFileContents
	case r.OrigNotebook != nil:
		e.Original = r.OrigNotebook
	}
	if tool == "Write" {
		if r.Type == "create" || (r.Type == "" && r.OriginalFile == nil) {
			e.Op = capture.OpCreate
		}
		if r.Content != nil {
			e.Content = r.Content
		} else {
			var in struct {
				Content *string `json:"content"`
			}
			_ = json.Unmarshal(input, &in)
			e.Content = in.Content
		}
	}
	if r.NewNotebook != nil {
		e.Content = r.NewNotebook
	}
	if len(r.StructuredPatch) > 0 {
		e.Diff = UnifiedDiff(path, r.StructuredPatch)
		for _, h := range r.StructuredPatch {
			for _, l := range h.Lines {
				switch {
				case strings.HasPrefix(l, "+"):
					e.Added++
				case strings.HasPrefix(l, "-"):
					e.Removed++
				}
			}
		}
	}
	return []capture.FileEdit{e}
}

// UnifiedDiff renders a structuredPatch as a unified diff of path.
func UnifiedDiff(path string, hunks []hunk) string {
	n := 2*len(path) + 16
	for _, h := range hunks {
		n += 48
		for _, l := range h.Lines {
			n += len(l) + 1
		}
	}
	b := make([]byte, 0, n)
	b = append(b, "--- a/"...)
	b = append(b, path...)
	b = append(b, "\n+++ b/"...)
	b = append(b, path...)
	b = append(b, '\n')
	for _, h := range hunks {
		b = append(b, "@@ -"...)
		b = strconv.AppendInt(b, int64(h.OldStart), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(h.OldLines), 10)
		b = append(b, " +"...)
		b = strconv.AppendInt(b, int64(h.NewStart), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(h.NewLines), 10)
		b = append(b, " @@\n"...)
		for _, l := range h.Lines {
			b = append(b, l...)
			b = append(b, '\n')
		}
	}
	return string(b)
}
