package linker

import (
	"os"
	"strings"
	"testing"

	"github.com/tracevault/tracevault/capture/spool"
)

// FuzzParseRewrites checks post-rewrite stdin parsing never loses an old
// commit nor invents a new one.
func FuzzParseRewrites(f *testing.F) {
	a, b := strings.Repeat("a", 40), strings.Repeat("b", 40)
	f.Add(a + " " + b + "\n" + b + " " + b + " extra\n")
	f.Add("x y\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, in string) {
		rws, err := ParseRewrites(in)
		if err != nil {
			return
		}
		n := 0
		for _, rw := range rws {
			n += len(rw.Olds)
			if rw.New.IsZero() && !strings.Contains(in, strings.Repeat("0", 40)) {
				t.Fatalf("ParseRewrites(%q) invented a zero commit", in)
			}
		}
		lines := 0
		for _, l := range strings.Split(in, "\n") {
			if len(strings.Fields(l)) >= 2 {
				lines++
			}
		}
		if n != lines {
			t.Fatalf("ParseRewrites(%q): %d old commits from %d lines", in, n, lines)
		}
	})
}

// FuzzTrailers checks trailer parsing never panics and keeps the trailer
// text it matched.
func FuzzTrailers(f *testing.F) {
	f.Add("fix\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n")
	f.Add("x\n\nCo-authored-by: aider (gpt-4o) <a@b>\nAssisted-by: Codex:gpt-5\n")
	f.Fuzz(func(t *testing.T, msg string) {
		for _, a := range Trailers(msg) {
			if a.Trailer == "" || !strings.Contains(msg, a.Trailer) {
				t.Fatalf("Trailers(%q) gave %+v", msg, a)
			}
		}
	})
}

// FuzzLoadCommitted checks the committed log reader accepts any bytes.
func FuzzLoadCommitted(f *testing.F) {
	f.Add([]byte("a.go\tsha256:00\t" + strings.Repeat("a", 40) + "\n"))
	f.Add([]byte("\t\t\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		d := spool.Dir(t.TempDir())
		if err := os.MkdirAll(d.Path("state"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(d.Path("state", committedFile), b, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := loadCommitted(d); err != nil {
			t.Fatal(err)
		}
	})
}
