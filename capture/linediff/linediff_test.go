package linediff

import (
	"math/rand"
	"strings"
	"testing"
)

func TestMatchIsCommonSubsequence(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	alpha := []string{"a", "b", "c", "d", "e"}
	gen := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = alpha[rng.Intn(len(alpha))]
		}
		return out
	}
	for iter := 0; iter < 2000; iter++ {
		a, b := gen(rng.Intn(30)), gen(rng.Intn(30))
		m := Match(a, b)
		last, matched := -1, 0
		for j, i := range m {
			if i < 0 {
				continue
			}
			if i <= last || a[i] != b[j] {
				t.Fatalf("Match(%q, %q) = %v: not an increasing common subsequence", a, b, m)
			}
			last = i
			matched++
		}
		if want := lcs(a, b); matched != want {
			t.Fatalf("Match(%q, %q) matched %d lines, want LCS %d", a, b, matched, want)
		}
	}
}

func lcs(a, b []string) int {
	dp := make([][]int, len(a)+1)
	for i := range dp {
		dp[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				dp[i][j] = dp[i+1][j+1] + 1
			} else {
				dp[i][j] = max(dp[i+1][j], dp[i][j+1])
			}
		}
	}
	return dp[0][0]
}

func TestUnified(t *testing.T) {
	tests := []struct {
		name, a, b, want string
	}{
		{"equal", "x\ny\n", "x\ny\n", ""},
		{"insert", "a\nb\nc\n", "a\nb\nX\nc\n", "--- a/f\n+++ b/f\n@@ -1,3 +1,4 @@\n a\n b\n+X\n c\n"},
		{"create", "", "a\nb\n", "--- a/f\n+++ b/f\n@@ -0,0 +1,2 @@\n+a\n+b\n"},
		{"delete", "a\nb\n", "", "--- a/f\n+++ b/f\n@@ -1,2 +0,0 @@\n-a\n-b\n"},
		{"replace", "1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n4\nV\n6\n7\n8\n9\n", "--- a/f\n+++ b/f\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+V\n 6\n 7\n 8\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Unified("f", Lines(tt.a), Lines(tt.b), 3); got != tt.want {
				t.Errorf("Unified(%q, %q) =\n%s\nwant\n%s", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestLines(t *testing.T) {
	if got := strings.Join(Lines("a\nb"), "|"); got != "a|b" {
		t.Errorf("Lines = %q", got)
	}
	if got := len(Lines("")); got != 0 {
		t.Errorf("Lines(\"\") has %d lines", got)
	}
}

func FuzzMatch(f *testing.F) {
	f.Add("a\nb\nc\n", "a\nc\nd\n")
	f.Fuzz(func(t *testing.T, x, y string) {
		a, b := Lines(x), Lines(y)
		m := Match(a, b)
		last := -1
		for j, i := range m {
			if i >= 0 && (i <= last || a[i] != b[j]) {
				t.Fatalf("bad match %v", m)
			}
			if i >= 0 {
				last = i
			}
		}
	})
}
