package redact

import (
	"bytes"
	"go/build"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tracevault/tracevault/internal/testutil"
)

// ordinarySource returns about n bytes of Go source from the standard
// library (net/http, no tests): ordinary code with no secrets.
func ordinarySource(tb testing.TB, n int) []byte {
	tb.Helper()
	dir := filepath.Join(build.Default.GOROOT, "src", "net", "http")
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("no Go source in %s: %v", dir, err)
	}
	var b bytes.Buffer
	for b.Len() < n {
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				tb.Fatal(err)
			}
			b.Write(src)
			if b.Len() >= n {
				break
			}
		}
	}
	return b.Bytes()[:n]
}

// largePayload returns n bytes mixing source code, agent transcript lines
// and, every 64 KB, a secret: a synthetic spool or upload.
func largePayload(tb testing.TB, n int) []byte {
	tb.Helper()
	src := ordinarySource(tb, 1<<20)
	transcript, err := os.ReadFile(testutil.Fixture(tb, "claude-code/transcripts/entireio-cli/ec/38b74f08e3/0/full.jsonl"))
	if err != nil {
		tb.Fatal(err)
	}
	secrets := loadCorpus(tb, "secrets.txt", 1)
	out := make([]byte, 0, n+1<<20)
	for i := 0; len(out) < n; i++ {
		chunk := src
		if i%2 == 1 {
			chunk = transcript
		}
		for off := 0; off < len(chunk) && len(out) < n; off += 64 << 10 {
			out = append(out, chunk[off:min(len(chunk), off+64<<10)]...)
			out = append(out, '\n')
			out = append(out, secrets[(i+off)%len(secrets)].text...)
			out = append(out, '\n')
		}
	}
	return out[:n]
}

func BenchmarkOrdinarySource1MB(b *testing.B) {
	in := ordinarySource(b, 1<<20)
	b.Logf("%d findings in 1 MB of net/http source", len(Default().Find(in)))
	b.SetBytes(int64(len(in)))
	b.ResetTimer()
	for b.Loop() {
		Default().Bytes(in)
	}
}

func BenchmarkTranscriptJSONL(b *testing.B) {
	raw, err := os.ReadFile(testutil.Fixture(b, "claude-code/transcripts/entireio-cli/ec/38b74f08e3/0/full.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	lines := bytes.Split(raw, []byte("\n"))
	b.SetBytes(int64(len(raw)))
	b.ResetTimer()
	for b.Loop() {
		for _, l := range lines {
			Default().JSON(l)
		}
	}
}

func BenchmarkLargePayload100MB(b *testing.B) {
	in := largePayload(b, 100<<20)
	b.SetBytes(int64(len(in)))
	b.ResetTimer()
	for b.Loop() {
		Default().Bytes(in)
	}
}

func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		if _, err := New(Config{}); err != nil {
			b.Fatal(err)
		}
	}
}
