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

// refRun is the byte-at-a-time definition StrRun and PlainRun must match.
func refRun(b []byte, i int, stop func(byte) bool) int {
	for ; i < len(b); i++ {
		if stop(b[i]) {
			return i
		}
	}
	return i
}

func strStop(c byte) bool   { return c == '"' || c == '\\' || c < 0x20 }
func plainStop(c byte) bool { return c == '\\' || c >= 0x80 }

// TestRuns puts every byte value at every position of a run (and two at
// once, where a borrow could hide one) and compares with refRun.
func TestRuns(t *testing.T) {
	for n := 0; n <= 19; n++ {
		for pos := 0; pos < n; pos++ {
			for c := 0; c < 256; c++ {
				b := make([]byte, n)
				for k := range b {
					b[k] = 'a'
				}
				b[pos] = byte(c)
				if pos+1 < n {
					b[pos+1] = byte(255 - c)
				}
				for start := 0; start <= min(n, 3); start++ {
					if got, want := StrRun(b, start), refRun(b, start, strStop); got != want {
						t.Fatalf("StrRun(%q, %d) = %d, want %d", b, start, got, want)
					}
					if got, want := PlainRun(b, start), refRun(b, start, plainStop); got != want {
						t.Fatalf("PlainRun(%q, %d) = %d, want %d", b, start, got, want)
					}
				}
			}
		}
	}
}

func FuzzRuns(f *testing.F) {
	f.Add([]byte(`{"a":"line\n\tmore \"quoted\" é"}`), 0)
	f.Fuzz(func(t *testing.T, b []byte, i int) {
		if i < 0 || i > len(b) {
			return
		}
		if got, want := StrRun(b, i), refRun(b, i, strStop); got != want {
			t.Fatalf("StrRun(%q, %d) = %d, want %d", b, i, got, want)
		}
		if got, want := PlainRun(b, i), refRun(b, i, plainStop); got != want {
			t.Fatalf("PlainRun(%q, %d) = %d, want %d", b, i, got, want)
		}
	})
}
