package jsonlex

import (
	"encoding/json"
	"testing"
)

func TestNumberEnd(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int
	}{
		{"0", 1}, {"-0", 2}, {"12,", 2}, {"1.5e+3]", 6}, {"-12.25E-2", 9},
		{"01", 1}, {"-", -1}, {"1.", -1}, {"1e", -1}, {".5", -1}, {"x", -1}, {"", -1},
	} {
		if got := NumberEnd([]byte(tt.in), 0); got != tt.want {
			t.Errorf("NumberEnd(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestEscapeLen(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int
	}{
		{`\n`, 2}, {`\"`, 2}, {`\/`, 2}, {`\u00e9`, 6}, {`\uABCD`, 6},
		{`\x`, 0}, {`\`, 0}, {`\u12`, 0}, {`\u12g4`, 0},
	} {
		if got := EscapeLen([]byte(tt.in), 0); got != tt.want {
			t.Errorf("EscapeLen(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

// FuzzNumberEnd: a number NumberEnd accepts in full is one encoding/json
// accepts, and the other way round.
func FuzzNumberEnd(f *testing.F) {
	for _, s := range []string{"0", "-1.5e3", "01", "1.", "1e+", "-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		whole := NumberEnd([]byte(s), 0) == len(s) && len(s) > 0
		var n json.Number
		valid := json.Unmarshal([]byte(s), &n) == nil && string(n) == s
		if whole != valid {
			t.Fatalf("NumberEnd(%q) whole = %v, encoding/json valid = %v", s, whole, valid)
		}
	})
}
