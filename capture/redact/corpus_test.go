package redact

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
)

// Thresholds the corpus tests enforce. The look-alike corpus is made of
// near misses on purpose, so its false-positive rate overstates the rate on
// ordinary text (see TestFixtureTranscripts for that).
const (
	minRecall     = 0.99
	maxFalseRate  = 0.05
	samplesPerRow = 5
)

// sample is one expansion of a corpus template.
type sample struct {
	kind    string // the rule that must report it, or the look-alike's name
	line    int
	text    string
	secrets []string // the random parts that must not survive redaction
}

var generators = map[string]string{
	"b62": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
	"hex": "0123456789abcdef",
	"HEX": "0123456789ABCDEF",
	"up":  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
	"low": "abcdefghijklmnopqrstuvwxyz0123456789",
	"dig": "0123456789",
	"b64": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
	"url": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
	"age": "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L",
}

// loadCorpus reads a template file and expands every row n times.
func loadCorpus(t testing.TB, name string, n int) []sample {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []sample
	sc := bufio.NewScanner(f)
	for ln := 1; sc.Scan(); ln++ {
		row := sc.Text()
		if row == "" || row[0] == '#' {
			continue
		}
		kind, tmpl, ok := strings.Cut(row, "\t")
		if !ok {
			t.Fatalf("%s:%d: no tab", name, ln)
		}
		for i := range n {
			rng := rand.New(rand.NewPCG(uint64(ln), uint64(i)))
			s := expand(t, tmpl, rng)
			s.kind, s.line = kind, ln
			out = append(out, s)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// expand fills in a template (see testdata/secrets.txt for the syntax).
func expand(t testing.TB, tmpl string, rng *rand.Rand) sample {
	tmpl = strings.NewReplacer(`\\n`, `\n`, `\n`, "\n").Replace(tmpl)
	var s sample
	var b strings.Builder
	for {
		i := strings.Index(tmpl, "{{")
		j := strings.Index(tmpl, "}}")
		if i < 0 || j < i || strings.HasPrefix(tmpl[i:], "{{ ") {
			if i >= 0 && j > i { // a literal "{{ ... }}" template in the text
				b.WriteString(tmpl[:j+2])
				tmpl = tmpl[j+2:]
				continue
			}
			b.WriteString(tmpl)
			s.text = b.String()
			return s
		}
		b.WriteString(tmpl[:i])
		spec, public := tmpl[i+2:j], false
		if strings.HasPrefix(spec, "=") {
			spec, public = spec[1:], true
		}
		v := generate(t, spec, rng)
		if !public {
			s.secrets = append(s.secrets, v)
		}
		b.WriteString(v)
		tmpl = tmpl[j+2:]
	}
}

func generate(t testing.TB, spec string, rng *rand.Rand) string {
	gen, arg, _ := strings.Cut(spec, " ")
	pick := func(alphabet string, n int) string {
		out := make([]byte, n)
		for i := range out {
			out[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return string(out)
	}
	switch gen {
	case "uuid":
		h := pick(generators["hex"], 32)
		return h[:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:]
	case "jwt":
		enc := base64.RawURLEncoding
		claims := fmt.Sprintf(`{"sub":"%s","iat":%d,"scope":"read write"}`, pick(generators["b62"], 12), 1700000000+rng.IntN(1e8))
		return enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc.EncodeToString([]byte(claims)) + "." + pick(generators["url"], 43)
	case "basic":
		return base64.StdEncoding.EncodeToString([]byte(pick(generators["low"], 6) + ":" + pick(generators["b62"], 14)))
	}
	alphabet, ok := generators[gen]
	n, err := strconv.Atoi(arg)
	if !ok || err != nil {
		t.Fatalf("bad generator %q", spec)
	}
	return pick(alphabet, n)
}

// leaked returns the secrets of s whose middle part is still in out.
// Parts shorter than 8 bytes are not distinctive and are not checked.
func leaked(s sample, out string) []string {
	var bad []string
	for _, sec := range s.secrets {
		if len(sec) < 8 {
			continue
		}
		m := len(sec)/2 - 4
		if strings.Contains(out, sec[m:m+8]) {
			bad = append(bad, sec)
		}
	}
	return bad
}

func TestCorpusRecall(t *testing.T) {
	r := Default()
	samples := loadCorpus(t, "secrets.txt", samplesPerRow)
	kinds := make(map[string]bool)
	missed := 0
	for _, s := range samples {
		kinds[s.kind] = true
		out := r.String(s.text)
		fs := r.Find([]byte(s.text))
		named := false
		for _, f := range fs {
			named = named || f.Rule == s.kind
		}
		if bad := leaked(s, out); len(bad) > 0 || !named {
			missed++
			t.Errorf("secrets.txt:%d (%s): %q\n\t-> %q (findings %v)", s.line, s.kind, s.text, out, fs)
		}
	}
	recall := 1 - float64(missed)/float64(len(samples))
	t.Logf("recall %.4f: %d of %d samples (%d rows x %d, %d rules named) fully redacted by the expected rule",
		recall, len(samples)-missed, len(samples), len(samples)/samplesPerRow, samplesPerRow, len(kinds))
	if recall < minRecall {
		t.Fatalf("recall %.4f < %.2f", recall, minRecall)
	}
	if rows := len(samples) / samplesPerRow; rows < 50 {
		t.Fatalf("secret corpus has %d rows, want at least 50", rows)
	}
}

func TestCorpusFalsePositives(t *testing.T) {
	r := Default()
	samples := loadCorpus(t, "nonsecrets.txt", samplesPerRow)
	flagged := 0
	for _, s := range samples {
		if fs := r.Find([]byte(s.text)); len(fs) > 0 {
			flagged++
			t.Logf("false positive: nonsecrets.txt:%d (%s): %q -> %q", s.line, s.kind, s.text, r.String(s.text))
		}
	}
	rate := float64(flagged) / float64(len(samples))
	t.Logf("false-positive rate %.4f: %d of %d look-alike samples (%d rows x %d) flagged",
		rate, flagged, len(samples), len(samples)/samplesPerRow, samplesPerRow)
	if rate > maxFalseRate {
		t.Fatalf("false-positive rate %.4f > %.2f", rate, maxFalseRate)
	}
	if rows := len(samples) / samplesPerRow; rows < 50 {
		t.Fatalf("look-alike corpus has %d rows, want at least 50", rows)
	}
}

// TestCorpusJSON embeds every secret sample in a JSON document, encoded
// by encoding/json (which escapes <, > and & as \u003c…), and requires
// JSON to keep the document valid and remove the secret.
func TestCorpusJSON(t *testing.T) {
	r := Default()
	for _, s := range loadCorpus(t, "secrets.txt", 2) {
		doc, err := json.Marshal(map[string]any{"tool_input": map[string]string{"command": s.text}, "n": 1})
		if err != nil {
			t.Fatal(err)
		}
		out := r.JSON(doc)
		var v struct {
			ToolInput struct{ Command string } `json:"tool_input"`
		}
		if err := json.Unmarshal(out, &v); err != nil {
			t.Fatalf("secrets.txt:%d: JSON output invalid: %v\n%s", s.line, err, out)
		}
		if bad := leaked(s, v.ToolInput.Command); len(bad) > 0 {
			t.Errorf("secrets.txt:%d (%s): leaked %q in %s", s.line, s.kind, bad, out)
		}
	}
}
