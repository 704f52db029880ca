package redact

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tracevault/tracevault/internal/testutil"
)

func TestJSONExact(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"key names a password", `{"password":"Tr0ub4dor3x","user":"ann"}`, `{"password":"[REDACTED:password-assignment]","user":"ann"}`},
		{"nested key", `{"db":{"clientSecret":"Zk3vQ8pL2xW9mN4rT7yB"}}`, `{"db":{"clientSecret":"[REDACTED:secret-assignment]"}}`},
		{"unicode escape hides prefix", `{"k":"\u0041KIA` + fakeAWS[4:] + `"}`, `{"k":"[REDACTED:aws-access-key]"}`},
		{"escapes kept valid", `{"out":"line1\nkey=` + fakeAWS + `\t\"q\""}`, `{"out":"line1\nkey=[REDACTED:aws-access-key]\t\"q\""}`},
		{"json in a string", `{"content":"{\"password\": \"Tr0ub4dor3x\"}"}`, `{"content":"{\"password\": \"[REDACTED:password-assignment]\"}"}`},
		{"pem in a string", `{"private_key":"-----BEGIN PRIVATE KEY-----\nMIIEvQIBADAN\n-----END PRIVATE KEY-----\n"}`, `{"private_key":"[REDACTED:private-key]\n"}`},
		{"number untouched", `{"password": 123456, "token_count": 3}`, `{"password": 123456, "token_count": 3}`},
		{"key itself", `{"` + fakeAWS + `": true}`, `{"[REDACTED:aws-access-key]": true}`},
		{"jsonl", "{\"a\":\"" + fakeGitHub + "\"}\n{\"b\":1}\n", "{\"a\":\"[REDACTED:github-token]\"}\n{\"b\":1}\n"},
		{"invalid falls back to text", `{"password": "Tr0ub4dor3x", "k": "` + fakeAWS, `{"password": "[REDACTED:password-assignment]", "k": "[REDACTED:aws-access-key]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(Default().JSON([]byte(tt.in)))
			if got != tt.want {
				t.Errorf("JSON(%s) = %s, want %s", tt.in, got, tt.want)
			}
			if json.Valid([]byte(tt.in)) && !json.Valid([]byte(got)) {
				t.Errorf("JSON(%s) = %s, not valid JSON", tt.in, got)
			}
		})
	}
}

// TestFixtureTranscripts runs the redactor over the real agent transcripts
// and hook payloads in shared/fixtures, which hold no live secrets: every
// finding there is a false positive on ordinary agent traffic, or a
// published, already-revoked value. It requires valid JSON to stay valid
// and reports the findings.
func TestFixtureTranscripts(t *testing.T) {
	root := testutil.Fixture(t, "")
	var files, size, findings int
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") && !strings.HasSuffix(path, ".jsonl") {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		size += len(raw)
		for _, f := range Default().Find(raw) {
			findings++
			t.Logf("%s: %s %q", strings.TrimPrefix(path, root), f.Rule, mask(raw[f.Start:f.End]))
		}
		for i, line := range strings.Split(string(raw), "\n") {
			if json.Valid([]byte(line)) && !json.Valid(Default().JSON([]byte(line))) {
				t.Errorf("%s:%d: JSON made a valid line invalid", path, i+1)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d findings in %d fixture files (%d KB)", findings, files, size>>10)
}

// mask shows the shape of a finding without the finding.
func mask(b []byte) string {
	if len(b) <= 8 || !utf8.Valid(b) {
		return strings.Repeat("*", len(b))
	}
	return string(b[:4]) + "…" + string(b[len(b)-2:])
}

// TestJSONEscapeBeforeSecret: a secret right after an escape (a token at
// the start of a line of a file's content, a URL with escaped slashes) is
// found in JSON as in the decoded text.
func TestJSONEscapeBeforeSecret(t *testing.T) {
	for _, s := range []string{
		"x\n" + fakeAWS + "\n",
		"x\t" + fakeGitHub,
		"a\r\n" + fakeAnthropic,
		"line\n" + fakeGitHub + "\nmore",
		"postgres://app:s3cret99x@db.internal/x",
		"see https://ann:Tr0ub4dor3x@example.org/",
	} {
		if len(Default().Find([]byte(s))) == 0 {
			t.Fatalf("no finding in %q", s)
		}
		quoted, _ := json.Marshal(s)
		escSlash := strings.ReplaceAll(string(quoted), "/", `\/`)
		for _, in := range []string{`{"content":` + string(quoted) + `}`, `{"content":` + escSlash + `}`,
			`{"a":"\n","content":` + string(quoted) + `}`} {
			out := Default().JSON([]byte(in))
			var v map[string]string
			if err := json.Unmarshal(out, &v); err != nil {
				t.Fatalf("JSON(%s) = %s: %v", in, out, err)
			}
			if !strings.Contains(v["content"], "[REDACTED:") {
				t.Errorf("JSON(%s) = %s: secret kept", in, out)
			}
		}
	}
}

// TestHasHiddenEscape checks the one-pass test against the two searches it
// replaced.
func TestHasHiddenEscape(t *testing.T) {
	for _, in := range []string{``, `\`, `\u`, `\/`, `\\`, `\\u`, `\\\`, `a\nb\tc`, `x\"y\\`, `\n\n\/`, `\\\\/`, `"\u0041"`, `abc\`} {
		want := strings.Contains(in, `\u`) || strings.Contains(in, `\/`)
		if got := hasHiddenEscape([]byte(in)); got != want {
			t.Errorf("hasHiddenEscape(%q) = %v, want %v", in, got, want)
		}
	}
}
