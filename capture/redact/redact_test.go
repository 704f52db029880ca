package redact

import (
	"bytes"
	"encoding/base64"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// Fake secrets for the exact-output tests, assembled so that no line of
// this file is itself secret-shaped.
var (
	fakeAnthropic = "sk-ant-" + "api03-" + strings.Repeat("Zq8_xV3-kP0w", 8) + "AA"
	fakeAWS       = "AKIA" + "Q3ZJ7TKX5W2M9RLB"
	fakeGitHub    = "ghp_" + "r8Kq2LmZ0vT5xWn7Yb3Pc9Hd6Fg1Js4Ae2Nu"
)

func TestStringExact(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"anthropic env", "export ANTHROPIC_API_KEY=" + fakeAnthropic + "\n", "export ANTHROPIC_API_KEY=[REDACTED:anthropic-api-key]\n"},
		{"aws in prose", "key " + fakeAWS + ", region us-east-1", "key [REDACTED:aws-access-key], region us-east-1"},
		{"github in url user", "https://" + fakeGitHub + "@github.com/a/b.git", "https://[REDACTED:github-token]@github.com/a/b.git"},
		{"url password only", "postgres://app:Tr0ub4dor3x@db:5432/x", "postgres://app:[REDACTED:url-password]@db:5432/x"},
		{"password value not key", "DB_PASSWORD=Tr0ub4dor3x # prod", "DB_PASSWORD=[REDACTED:password-assignment] # prod"},
		{"json password", `{"password": "Tr0ub4dor&3"}`, `{"password": "[REDACTED:password-assignment]"}`},
		{"escaped quotes", `"cmd": "PASSWORD=\"Tr0ub4dor3\" ./run"`, `"cmd": "PASSWORD=\"[REDACTED:password-assignment]\" ./run"`},
		{"whole key block", "a\n-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\nAwEHoUQDQg==\n-----END EC PRIVATE KEY-----\nb", "a\n[REDACTED:private-key]\nb"},
		{"azure client secret", "AZURE_CLIENT_SECRET=abc8Q~" + strings.Repeat("Vx3_k", 6) + "Vx3_\n", "AZURE_CLIENT_SECRET=[REDACTED:azure-client-secret]\n"},
		{"specific beats generic", "OPENAI_API_KEY=" + fakeAnthropic, "OPENAI_API_KEY=[REDACTED:anthropic-api-key]"},
		{"nothing", "func main() { fmt.Println(\"hello\") }", "func main() { fmt.Println(\"hello\") }"},
		{"placeholder", "password=${DB_PASSWORD} token=<your-token>", "password=${DB_PASSWORD} token=<your-token>"},
		{"doc example", "AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"},
		{"word boundary", "task-ant-" + strings.Repeat("x1y2", 10), "task-ant-" + strings.Repeat("x1y2", 10)},
		{"two secrets", fakeAWS + " " + fakeGitHub, "[REDACTED:aws-access-key] [REDACTED:github-token]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Default().String(tt.in); got != tt.want {
				t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestBytesNoCopy(t *testing.T) {
	b := []byte("nothing secret here, just text with a token_count=3")
	if got := Default().Bytes(b); &got[0] != &b[0] {
		t.Errorf("Bytes copied input without findings")
	}
	if got := Default().JSON([]byte(`{"a":1}`)); string(got) != `{"a":1}` {
		t.Errorf("JSON changed input without findings: %s", got)
	}
}

// TestIdempotent checks that redacting twice equals redacting once and
// that a marker is never itself reported, on every corpus sample.
func TestIdempotent(t *testing.T) {
	r := Default()
	for _, s := range append(loadCorpus(t, "secrets.txt", 2), loadCorpus(t, "nonsecrets.txt", 1)...) {
		once := r.String(s.text)
		if twice := r.String(once); twice != once {
			t.Errorf("not idempotent on line %d:\n once %q\ntwice %q", s.line, once, twice)
		}
		if fs := r.Find([]byte(once)); len(fs) > 0 {
			t.Errorf("markers flagged on line %d: %v in %q", s.line, fs, once)
		}
	}
	for _, rl := range builtinRules() {
		m := markerPrefix + rl.id + "]"
		for _, ctx := range []string{"%s", "password=%s", "token: %s", `"api_key": "%s"`, "https://u:%s@h/", "Bearer %s"} {
			in := strings.Replace(ctx, "%s", m, 1)
			if fs := r.Find([]byte(in)); len(fs) > 0 {
				t.Errorf("marker flagged: %q -> %v", in, fs)
			}
		}
	}
}

func TestUTF8(t *testing.T) {
	r := Default()
	for _, in := range []string{
		"mot de passe: password=Größe€2025ñ fin",
		"PASSWORD=héllo→wörld9 next",
		"token=\"" + strings.Repeat("é", 3000) + "ab12\"",
		"日本語 " + fakeAWS + " 日本語",
		"password=" + strings.Repeat("ü", 2100) + "1",
	} {
		out := r.String(in)
		if !utf8.ValidString(out) {
			t.Errorf("String(%q) = %q, not valid UTF-8", in, out)
		}
	}
}

func TestFindOffsets(t *testing.T) {
	in := "x " + fakeAWS + " y password=hunter22"
	got := Default().Find([]byte(in))
	want := []Finding{
		{Rule: "aws-access-key", Start: 2, End: 22},
		{Rule: "password-assignment", Start: 34, End: 42},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Find(%q) mismatch (-want +got):\n%s", in, diff)
	}
}

func TestNew(t *testing.T) {
	r, err := New(Config{
		Rules:   []Rule{{ID: "acme-key", Keywords: []string{"acme_"}, Pattern: `\bacme_([a-z0-9]{16})\b`, Group: 1}},
		Disable: []string{"aws-access-key"},
		Allow:   []string{"hunter22x"},
	})
	if err != nil {
		t.Fatal(err)
	}
	in := "ACME acme_0123456789abcdef " + fakeAWS + " password=hunter22x"
	want := "ACME acme_[REDACTED:acme-key] " + fakeAWS + " password=hunter22x"
	if got := r.String(in); got != want {
		t.Errorf("String(%q) = %q, want %q", in, got, want)
	}
	for _, c := range []Config{
		{Disable: []string{"no-such-rule"}},
		{Rules: []Rule{{ID: "Bad ID", Keywords: []string{"abc"}, Pattern: "abc"}}},
		{Rules: []Rule{{ID: "jwt", Keywords: []string{"abc"}, Pattern: "abc"}}},
		{Rules: []Rule{{ID: "x", Keywords: []string{"ab"}, Pattern: "abc"}}},
		{Rules: []Rule{{ID: "x", Keywords: []string{"abc"}, Pattern: "(abc"}}},
		{Rules: []Rule{{ID: "x", Keywords: []string{"abc"}, Pattern: "abc", Group: 1}}},
		{Rules: []Rule{{ID: "x", Pattern: "abc"}}},
	} {
		if _, err := New(c); err == nil {
			t.Errorf("New(%+v) succeeded, want error", c)
		}
	}
}

func TestConcurrent(t *testing.T) {
	samples := loadCorpus(t, "secrets.txt", 1)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for _, s := range samples {
				if out := Default().String(s.text); len(leaked(s, out)) > 0 {
					t.Errorf("line %d leaked under concurrency", s.line)
				}
			}
		})
	}
	wg.Wait()
}

// TestLongLine checks that a keyword-dense single line, far longer than
// one search window, is handled in linear time and fully redacted.
func TestLongLine(t *testing.T) {
	var b bytes.Buffer
	for b.Len() < 4<<20 {
		b.WriteString(`"token_count":1,"password":"x","k":"` + fakeAWS + `",`)
	}
	out := Default().Bytes(b.Bytes())
	if bytes.Contains(out, []byte(fakeAWS)) {
		t.Errorf("AWS key survived in a long line")
	}
}

// TestBasicGate checks the gate that keeps "basic" in prose ("basic import
// test") from costing a hook the compilation of the Basic-credentials
// pattern (milliseconds), while credentials still pass it and are redacted.
func TestBasicGate(t *testing.T) {
	creds := base64.StdEncoding.EncodeToString([]byte("deploy:s3cr3t-Pa55w0rd"))
	for _, tt := range []struct {
		text string
		want bool
	}{
		{"Test basic quantstats import", false},
		{"basic authentication", false},
		{"Basic " + base64.StdEncoding.EncodeToString([]byte("no colon here")), false},
		{"Basic " + creds, true},
		{"basic\t" + creds, true},
	} {
		b := []byte(tt.text)
		end := bytes.Index(bytes.ToLower(b), []byte("basic")) + len("basic")
		if got := basicGate(b, end-len("basic"), end); got != tt.want {
			t.Errorf("basicGate(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
	got := Default().String("Authorization: Basic " + creds)
	if strings.Contains(got, creds) {
		t.Errorf("basic credentials not redacted: %s", got)
	}
}
