package codex

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tracevault/tracevault/capture"
)

func TestParsePatch(t *testing.T) {
	tests := []struct {
		name  string
		patch string
		want  []FilePatch
	}{
		{"add", "*** Begin Patch\n*** Add File: a/b.txt\n+one\n+two\n*** End Patch\n",
			[]FilePatch{{Op: capture.OpCreate, Path: "a/b.txt", Content: "one\ntwo\n"}}},
		{"delete", "*** Begin Patch\n*** Delete File: old.txt\n*** End Patch",
			[]FilePatch{{Op: capture.OpDelete, Path: "old.txt"}}},
		{"update with context and anchor", "*** Begin Patch\n*** Update File: m.go\n@@ func main() {\n \tx := 1\n-\ty := 2\n+\ty := 3\n+\tz := 4\n \treturn\n*** End Patch",
			[]FilePatch{{Op: capture.OpModify, Path: "m.go", Hunks: []Hunk{{Anchor: "func main() {", Lines: []HunkLine{
				{' ', "\tx := 1"}, {'-', "\ty := 2"}, {'+', "\ty := 3"}, {'+', "\tz := 4"}, {' ', "\treturn"}}}}}}},
		{"move", "*** Begin Patch\n*** Update File: a.txt\n*** Move to: b.txt\n@@\n-x\n+y\n*** End Patch",
			[]FilePatch{{Op: capture.OpRename, Path: "a.txt", MoveTo: "b.txt", Hunks: []Hunk{{Lines: []HunkLine{{'-', "x"}, {'+', "y"}}}}}}},
		{"pure move", "*** Begin Patch\n*** Update File: a.txt\n*** Move to: b.txt\n*** End Patch",
			[]FilePatch{{Op: capture.OpRename, Path: "a.txt", MoveTo: "b.txt"}}},
		{"multiple files, hunks, end of file, heredoc", "apply_patch <<'EOF'\n*** Begin Patch\n*** Add File: n.txt\n+new\n*** Update File: u.txt\n@@\n a\n-b\n@@ tail\n-y\n+z\n*** End of File\n*** Delete File: d.txt\n*** End Patch\nEOF\n",
			[]FilePatch{
				{Op: capture.OpCreate, Path: "n.txt", Content: "new\n"},
				{Op: capture.OpModify, Path: "u.txt", Hunks: []Hunk{{Lines: []HunkLine{{' ', "a"}, {'-', "b"}}}, {Anchor: "tail", Lines: []HunkLine{{'-', "y"}, {'+', "z"}}, EndOfFile: true}}},
				{Op: capture.OpDelete, Path: "d.txt"},
			}},
		{"first hunk without @@, empty context line", "*** Begin Patch\n*** Update File: f\n a\n\n-b\n+c\n*** End Patch",
			[]FilePatch{{Op: capture.OpModify, Path: "f", Hunks: []Hunk{{Lines: []HunkLine{{' ', "a"}, {' ', ""}, {'-', "b"}, {'+', "c"}}}}}}},
		{"missing End Patch", "*** Begin Patch\n*** Add File: x\n+1\n",
			[]FilePatch{{Op: capture.OpCreate, Path: "x", Content: "1\n"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePatch(tt.patch)
			if err != nil {
				t.Fatalf("ParsePatch: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParsePatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParsePatchErrors(t *testing.T) {
	for _, in := range []string{
		"",
		"no patch here",
		"*** Begin Patch\n*** End Patch",
		"*** Begin Patch\n*** Frobnicate: x\n*** End Patch",
		"*** Begin Patch\n*** Update File: x\n*** End Patch",
		"*** Begin Patch\n*** Update File: x\n@@\n-a\n@@\n*** End Patch",
		"*** Begin Patch\n*** Update File: x\n@@\n?bad\n*** End Patch",
	} {
		if _, err := ParsePatch(in); !errors.Is(err, ErrBadPatch) {
			t.Errorf("ParsePatch(%q) = %v, want ErrBadPatch", in, err)
		}
	}
}

func TestApplyPatch(t *testing.T) {
	orig := "package main\n\nfunc main() {\n\tx := 1\n\ty := 2\n\treturn\n}\n\nfunc other() {\n\ty := 2\n}\n"
	tests := []struct {
		name, patch, want string
	}{
		{"context", "*** Begin Patch\n*** Update File: m.go\n@@\n \tx := 1\n-\ty := 2\n+\ty := 3\n*** End Patch",
			strings.Replace(orig, "\ty := 2\n", "\ty := 3\n", 1)},
		{"anchor picks the second function", "*** Begin Patch\n*** Update File: m.go\n@@ func other() {\n-\ty := 2\n+\ty := 9\n*** End Patch",
			"package main\n\nfunc main() {\n\tx := 1\n\ty := 2\n\treturn\n}\n\nfunc other() {\n\ty := 9\n}\n"},
		{"end of file", "*** Begin Patch\n*** Update File: m.go\n@@\n }\n+// end\n*** End of File\n*** End Patch", orig + "// end\n"},
		// Like Codex, context lines are written as the patch has them.
		{"trailing whitespace tolerated", "*** Begin Patch\n*** Update File: m.go\n@@\n package main  \n+// hi\n*** End Patch",
			"package main  \n// hi\n" + strings.TrimPrefix(orig, "package main\n")},
		{"two hunks", "*** Begin Patch\n*** Update File: m.go\n@@\n-package main\n+package x\n@@\n-func other() {\n+func other2() {\n*** End Patch",
			strings.Replace(strings.Replace(orig, "package main", "package x", 1), "func other()", "func other2()", 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files, err := ParsePatch(tt.patch)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ApplyPatch(orig, files[0].Hunks)
			if err != nil {
				t.Fatalf("ApplyPatch: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ApplyPatch (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := ApplyPatch(orig, []Hunk{{Lines: []HunkLine{{'-', "absent"}}}}); !errors.Is(err, ErrBadPatch) {
		t.Errorf("ApplyPatch(missing context) = %v, want ErrBadPatch", err)
	}
}

func TestEdits(t *testing.T) {
	patch := "*** Begin Patch\n*** Add File: /repo/new.txt\n+a\n+b\n*** Update File: /repo/src/m.txt\n*** Move to: /repo/src/n.txt\n@@\n one\n-two\n+2\n three\n*** Delete File: gone.txt\n*** Update File: /elsewhere/x\n@@\n-x\n+y\n*** End Patch"
	files, err := ParsePatch(patch)
	if err != nil {
		t.Fatal(err)
	}
	origs := map[string]string{"/repo/src/m.txt": "zero\none\ntwo\nthree\n", "gone.txt": "bye\n"}
	read := func(p string) (string, error) {
		if s, ok := origs[p]; ok {
			return s, nil
		}
		return "", errors.New("absent")
	}
	newContent, after, gone, m := "a\nb\n", "zero\none\n2\nthree\n", "bye\n", "zero\none\ntwo\nthree\n"
	want := []capture.FileEdit{
		{Tool: "apply_patch", Path: "new.txt", Op: capture.OpCreate, Added: 2, Content: &newContent,
			Diff: "--- /dev/null\n+++ b/new.txt\n@@ -0,0 +1,2 @@\n+a\n+b\n"},
		{Tool: "apply_patch", Path: "src/n.txt", OldPath: "src/m.txt", Op: capture.OpRename, Added: 1, Removed: 1, Original: &m, Content: &after,
			Diff: "--- a/src/m.txt\n+++ b/src/n.txt\n@@ -2,3 +2,3 @@\n one\n-two\n+2\n three\n"},
		{Tool: "apply_patch", Path: "gone.txt", Op: capture.OpDelete, Removed: 1, Original: &gone,
			Diff: "--- a/gone.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-bye\n"},
		{Tool: "apply_patch", Path: "/elsewhere/x", Op: capture.OpModify, Added: 1, Removed: 1,
			Diff: "--- a//elsewhere/x\n+++ b//elsewhere/x\n@@ -1 +1 @@\n-x\n+y\n"},
	}
	if diff := cmp.Diff(want, Edits(files, "/repo", read)); diff != "" {
		t.Errorf("Edits (-want +got):\n%s", diff)
	}
}
