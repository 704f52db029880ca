package redact

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

// hostileUnits are keyword-dense, never-closing inputs that a quadratic path
// (a 64 KB search per keyword) would choke on.
func hostileUnits() map[string]string {
	return map[string]string{
		"pem without end":    "-----BEGIN RSA PRIVATE KEY-----x",
		"pem armour":         "-----BEGIN RSA PRIVATE KEY-----\nAAAA",
		"open quotes":        `password="`,
		"open escaped quote": `token=\"`,
		"prefixes":           "sk-ant-AKIAghp_xoxb-eyJ",
		"url userinfo":       "a://:",
		"jwt parts":          "eyJabcdefghij.",
		"every keyword":      strings.Join(allKeywords(), " "),
		"bearer":             "Bearer ",
	}
}

// BenchmarkHostile reports how long 1 MB of each hostile shape takes; the
// times should stay in the same range as ordinary text (linear work).
func BenchmarkHostile(b *testing.B) {
	for name, u := range hostileUnits() {
		in := bytes.Repeat([]byte(u), 1<<20/len(u))
		b.Run(strings.ReplaceAll(name, " ", "-"), func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			for i := 0; i < b.N; i++ {
				Default().Bytes(in)
				Default().JSON(in)
			}
		})
	}
}

// TestHostileInputs feeds each hostile shape and checks the output is
// well-formed and idempotent. Timing is measured by BenchmarkHostile, never
// asserted: machines here are shared.
func TestHostileInputs(t *testing.T) {
	for name, u := range hostileUnits() {
		in := bytes.Repeat([]byte(u), 64<<10/len(u))
		once := Default().Bytes(in)
		if again := Default().Bytes(once); !bytes.Equal(again, once) {
			t.Errorf("%s: redacting twice differs from once", name)
		}
		if !utf8.Valid(once) {
			t.Errorf("%s: output is not valid UTF-8", name)
		}
		Default().JSON(in)
	}
}

func allKeywords() []string {
	var out []string
	for _, rl := range builtinRules() {
		out = append(out, rl.keywords...)
		out = append(out, rl.ciKeywords...)
	}
	return out
}
