package redact

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestHostileInputsLinear feeds 1 MB of keyword-dense, never-closing
// input of several shapes and requires each to take well under a second,
// which a quadratic path (a 64 KB search per keyword) would not.
func TestHostileInputsLinear(t *testing.T) {
	units := map[string]string{
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
	for name, u := range units {
		in := bytes.Repeat([]byte(u), 1<<20/len(u))
		start := time.Now()
		Default().Bytes(in)
		Default().JSON(in)
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s: %v for 1 MB", name, d)
		} else {
			t.Logf("%s: %v for 1 MB", name, d)
		}
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
