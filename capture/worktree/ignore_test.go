package worktree

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tracevault/tracevault/internal/testutil"
)

func TestWildmatch(t *testing.T) {
	// Cases drawn from git's t/t3070-wildmatch.sh (pathname matching).
	tests := []struct {
		pattern, text string
		want          bool
	}{
		{"foo", "foo", true},
		{"foo", "bar", false},
		{"", "", true},
		{"???", "foo", true},
		{"??", "foo", false},
		{"*", "foo", true},
		{"f*", "foo", true},
		{"*f", "foo", false},
		{"*foo*", "foo", true},
		{"*ob*a*r*", "foobar", true},
		{"*ab", "aaaaaaabababab", true},
		{"foo\\*", "foo*", true},
		{"foo\\*bar", "foobar", false},
		{"f\\\\oo", "f\\oo", true},
		{"*[al]?", "ball", true},
		{"[ten]", "ten", false},
		{"**[!te]", "ten", true},
		{"**[!ten]", "ten", false},
		{"t[a-g]n", "ten", true},
		{"t[!a-g]n", "ten", false},
		{"t[!a-g]n", "ton", true},
		{"t[^a-g]n", "ton", true},
		{"a[]]b", "a]b", true},
		{"a[]-]b", "a-b", true},
		{"a[]-]b", "a]b", true},
		{"a[]-]b", "aab", false},
		{"a[]a-]b", "aab", true},
		{"]", "]", true},
		{"foo*bar", "foo/baz/bar", false},
		{"foo**bar", "foo/baz/bar", false},
		{"foo**bar", "foobazbar", true},
		{"foo/**/bar", "foo/baz/bar", true},
		{"foo/**/**/bar", "foo/baz/bar", true},
		{"foo/**/bar", "foo/b/a/z/bar", true},
		{"foo/**/**/bar", "foo/b/a/z/bar", true},
		{"foo/**/bar", "foo/bar", true},
		{"foo/**/**/bar", "foo/bar", true},
		{"foo?bar", "foo/bar", false},
		{"foo[/]bar", "foo/bar", false},
		{"foo[^a-z]bar", "foo/bar", false},
		{"f[^eiu][^eiu][^eiu][^eiu][^eiu]r", "foo-bar", true},
		{"**/foo", "foo", true},
		{"**/foo", "XXX/foo", true},
		{"**/foo", "bar/baz/foo", true},
		{"*/foo", "bar/baz/foo", false},
		{"**/bar*", "foo/bar/baz", false},
		{"**/bar/*", "deep/foo/bar/baz", true},
		{"**/bar/*", "deep/foo/bar/baz/", false},
		{"**/bar/**", "deep/foo/bar/baz/", true},
		{"**/bar/*", "deep/foo/bar", false},
		{"**/bar/**", "deep/foo/bar/", true},
		{"**/bar**", "foo/bar/baz", false},
		{"*/bar/**", "foo/bar/baz/x", true},
		{"*/bar/**", "deep/foo/bar/baz/x", false},
		{"**/bar/*/*", "deep/foo/bar/baz/x", true},
		{"a/**", "a", false},
		{"a/**", "a/b/c", true},
		{"[[:alpha:]][[:digit:]][[:upper:]]", "a1B", true},
		{"[[:digit:][:upper:][:space:]]", "a", false},
		{"[[:digit:][:upper:][:space:]]", "A", true},
		{"[[:digit:][:upper:][:space:]]", "1", true},
		{"[[:digit:][:upper:][:spaci:]]", "1", false},
		{"[[:xdigit:]]", "5", true},
		{"[[:xdigit:]]", "f", true},
		{"[[:punct:]]", ",", true},
		{"[a-c[:digit:]x-z]", "5", true},
		{"[a-c[:digit:]x-z]", "y", true},
		{"[a-c[:digit:]x-z]", "q", false},
		{"[\\-_]", "-", true},
		{"[\\]]", "]", true},
		{"[\\]]", "\\]", false},
		{"[!\\]]", "a", true},
		{"[A-\\\\]", "G", true},
		{"ab[", "ab[", false},
		{"[!", "ab", false},
		{"[-]", "-", true},
		{"[a-", "a", false},
		{"\\", "\\", false},
		{"*/\\", "XXX/\\", false},
		{"XXX/\\\\", "XXX/\\", true},
		{"*X*i", "abcXdefXghi", true},
		{"*/*/*", "foo/bba/arr", true},
		{"*/*/*", "foo/bb/aa/rr", false},
		{"**/**/**", "foo/bb/aa/rr", true},
		{"-*-*-*-*-*-*-12-*-*-*-m-*-*-*", "-adobe-courier-bold-o-normal--12-120-75-75-m-70-iso8859-1", true},
		{"XXX/*/*/*/*/*/*/12/*/*/*/m/*/*/*", "XXX/adobe/courier/bold/o/normal//12/120/75/75/X/70/iso8859/1", false},
		{"**/*a*b*g*n*t", "abcd/abcdefg/abcdefghijk/abcdefghijklmnop.txtz", false},
	}
	for _, tt := range tests {
		if got := wildmatch(tt.pattern, tt.text); got != tt.want {
			t.Errorf("wildmatch(%q, %q) = %v, want %v", tt.pattern, tt.text, got, tt.want)
		}
	}
}

func TestTrimTrailingSpaces(t *testing.T) {
	tests := map[string]string{
		"a  ":     "a",
		"a\\ ":    "a\\ ",
		"a\\  ":   "a\\ ",
		" a":      " a",
		"a b ":    "a b",
		"a\\":     "a\\",
		"   ":     "",
		"a \\  b": "a \\  b",
	}
	for in, want := range tests {
		if got := trimTrailingSpaces(in); got != want {
			t.Errorf("trimTrailingSpaces(%q) = %q, want %q", in, got, want)
		}
	}
}

// scanCase is a work tree to build: files, the subset to commit before the
// rest is written, and extra setup.
type scanCase struct {
	name    string
	files   map[string]string // path → content
	tracked []string          // committed before the remaining files exist
	setup   func(t *testing.T, dir string)
}

// TestScanMatchesGit builds work trees with real git and requires Scan to
// record exactly the paths git lists as tracked or untracked-not-ignored.
func TestScanMatchesGit(t *testing.T) {
	tests := []scanCase{
		{name: "ignored directory skipped", files: map[string]string{
			".gitignore":              "node_modules/\n",
			"index.js":                "x",
			"node_modules/a/index.js": "x",
			"node_modules/b.js":       "x",
			"src/node_modules/c.js":   "x",
		}},
		{name: "negation", files: map[string]string{
			".gitignore":        "*.log\n!important.log\n",
			"a.log":             "x",
			"important.log":     "x",
			"sub/b.log":         "x",
			"sub/important.log": "x",
		}},
		{name: "negation cannot reach into excluded directory", files: map[string]string{
			".gitignore":      "build/\n!build/keep.txt\n",
			"build/keep.txt":  "x",
			"build/other.txt": "x",
		}},
		{name: "whitelist", files: map[string]string{
			".gitignore":   "*\n!*/\n!*.go\n!.gitignore\n",
			"main.go":      "x",
			"main.o":       "x",
			"pkg/a.go":     "x",
			"pkg/a.txt":    "x",
			"pkg/sub/b.go": "x",
		}},
		{name: "nested gitignore", files: map[string]string{
			".gitignore":          "*.tmp\n",
			"a.tmp":               "x",
			"sub/.gitignore":      "!keep.tmp\n*.gen\n/local\n",
			"sub/keep.tmp":        "x",
			"sub/drop.tmp":        "x",
			"sub/x.gen":           "x",
			"sub/local":           "x",
			"sub/deeper/local":    "x",
			"sub/deeper/keep.tmp": "x",
			"other/x.gen":         "x",
		}},
		{name: "tracked but ignored", tracked: []string{"debug.log", "dist/app.js", "dist/deep/lib.js"}, files: map[string]string{
			"debug.log":        "x",
			"dist/app.js":      "x",
			"dist/deep/lib.js": "x",
			"dist/new.js":      "x",
			"trace.log":        "x",
			".gitignore":       "*.log\ndist/\n",
		}},
		{name: "anchoring", files: map[string]string{
			".gitignore":        "/root-only.txt\ndoc/*.txt\n",
			"root-only.txt":     "x",
			"sub/root-only.txt": "x",
			"doc/a.txt":         "x",
			"doc/sub/b.txt":     "x",
			"x/doc/c.txt":       "x",
		}},
		{name: "double star", files: map[string]string{
			".gitignore":       "**/gen/\na/**/z\nlogs/**\n",
			"gen/x":            "x",
			"p/q/gen/y":        "x",
			"a/z":              "x",
			"a/b/c/z":          "x",
			"b/a/z":            "x",
			"logs/today/1.txt": "x",
			"logs.txt":         "x",
		}},
		{name: "wildcards and escapes", files: map[string]string{
			".gitignore": "file?.c\n[abc]x\n\\#hash\n\\!bang\ntrail\\ \nspace   \n# comment\n\nq[!0-9]\n",
			"file1.c":    "x",
			"file12.c":   "x",
			"ax":         "x",
			"dx":         "x",
			"#hash":      "x",
			"!bang":      "x",
			"trail ":     "x",
			"space":      "x",
			"space   ":   "x",
			"qa":         "x",
			"q1":         "x",
		}},
		{name: "dir only", files: map[string]string{
			".gitignore": "out/\n",
			"out/a":      "x",
			"src/out":    "file, not dir",
			"lib/out/b":  "x",
		}},
		{name: "crlf and bom", files: map[string]string{
			".gitignore": "\xef\xbb\xbfa.txt\r\nb.txt\r\n",
			"a.txt":      "x",
			"b.txt":      "x",
			"c.txt":      "x",
		}},
		{name: "info exclude", files: map[string]string{
			"secret.env": "x",
			"public.txt": "x",
		}, setup: func(t *testing.T, dir string) {
			writeFile(t, dir, ".git/info/exclude", "*.env\n")
		}},
		{name: "non-UTF-8 names", files: map[string]string{
			".gitignore":    "*.\xff\n",
			"caf\xe9.txt":   "x",
			"\x80\x81/a":    "x",
			"drop.\xff":     "x",
			"new\nline.txt": "x",
		}},
		{name: "symlinks recorded not followed", files: map[string]string{
			"real/a.txt": "x",
		}, setup: func(t *testing.T, dir string) {
			for _, l := range [][2]string{{"real", "dirlink"}, {"real/a.txt", "filelink"}, {"missing", "dangling"}} {
				if err := os.Symlink(l[0], filepath.Join(dir, l[1])); err != nil {
					t.Fatal(err)
				}
			}
		}},
		{name: "nested repository skipped", files: map[string]string{
			"top.txt": "x",
		}, setup: func(t *testing.T, dir string) {
			inner := filepath.Join(dir, "vendor", "inner")
			if err := os.MkdirAll(inner, 0o755); err != nil {
				t.Fatal(err)
			}
			testutil.Git(t, inner, "init", "-q")
			writeFile(t, inner, "inner.txt", "x")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := testutil.NewRepo(t)
			for _, p := range tt.tracked {
				writeFile(t, dir, p, tt.files[p])
			}
			if len(tt.tracked) > 0 {
				testutil.Git(t, dir, append([]string{"add", "--"}, tt.tracked...)...)
				testutil.Git(t, dir, "commit", "-q", "-m", "tracked")
			}
			for p, c := range tt.files {
				writeFile(t, dir, p, c)
			}
			if tt.setup != nil {
				tt.setup(t, dir)
			}
			repo, err := FindRepo(dir)
			if err != nil {
				t.Fatal(err)
			}
			snap, err := Scan(repo, ScanOptions{})
			if err != nil {
				t.Fatalf("Scan: %v", err)
			}
			if snap.Truncated {
				t.Fatalf("Scan truncated at %q", snap.TruncatedAt)
			}
			var got []string
			for _, e := range snap.Entries {
				got = append(got, e.Path)
			}
			if diff := cmp.Diff(gitListed(t, dir), got); diff != "" {
				t.Errorf("Scan paths mismatch with git ls-files (-git +Scan):\n%s", diff)
			}
		})
	}
}

// gitListed returns, sorted, the files git reports as tracked or untracked
// and not ignored, leaving out nested repositories.
func gitListed(t *testing.T, dir string) []string {
	t.Helper()
	out := testutil.Git(t, dir, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	var paths []string
	for _, p := range strings.Split(out, "\x00") {
		if p != "" && !strings.HasSuffix(p, "/") {
			paths = append(paths, p)
		}
	}
	slices.Sort(paths)
	return slices.Compact(paths)
}
