package sync_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tvsync "github.com/tracevault/tracevault/capture/sync"
)

func TestBudgetFromEnv(t *testing.T) {
	tests := []struct {
		name, value string
		want        time.Duration
	}{
		{"unset", "", tvsync.DefaultBudget},
		{"duration", "800ms", 800 * time.Millisecond},
		{"seconds", "2.5", 2500 * time.Millisecond},
		{"zero", "0", 0},
		{"negative", "-1s", tvsync.DefaultBudget},
		{"garbage", "soon", tvsync.DefaultBudget},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tvsync.BudgetFromEnv(func(k string) string {
				if k == tvsync.BudgetEnv {
					return tt.value
				}
				return ""
			})
			if got != tt.want {
				t.Errorf("BudgetFromEnv(%q) = %v, want %v", tt.value, got, tt.want)
			}
		})
	}
}

func TestParsePrePushInput(t *testing.T) {
	z := strings.Repeat("0", 40)
	h := strings.Repeat("ab", 20)
	tests := []struct {
		name, in string
		want     int
		bad      bool
	}{
		{"empty", "", 0, false},
		{"one", "refs/heads/main " + h + " refs/heads/main " + z + "\n", 1, false},
		{"delete", "(delete) " + z + " refs/heads/x " + h + "\n", 1, false},
		{"short", "refs/heads/main " + h + "\n", 0, true},
		{"badhash", "refs/heads/main XYZ refs/heads/main " + z + "\n", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tvsync.ParsePrePushInput(strings.NewReader(tt.in))
			if (err != nil) != tt.bad || len(got) != tt.want {
				t.Errorf("ParsePrePushInput(%q) = %v, %v; want %d refs, error %t", tt.in, got, err, tt.want, tt.bad)
			}
		})
	}
}

func TestQueueSkipsDamagedLines(t *testing.T) {
	dir := t.TempDir()
	q := tvsync.QueueFor(dir)
	if err := os.MkdirAll(filepath.Dir(q.Path()), 0o700); err != nil {
		t.Fatal(err)
	}
	data := "not json\n" +
		`{"v":1,"remote":"origin","since":"2026-01-01T00:00:00Z","last":"2026-01-01T00:00:00Z","attempts":1}` + "\n" +
		`{"v":9,"remote":"future"}` + "\n" +
		`{"v":1,"remote":"-bad","attempts":1}` + "\n" +
		`{"v":1,"remote":"upstream","since":"2026-01-01T00:00:00Z","last":"2026-01-01T00:00:00Z","attempts":3}` + "\n" +
		`{"v":1,"remote":"ori`
	if err := os.WriteFile(q.Path(), []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	es, err := q.Entries()
	if err != nil || len(es) != 2 || es[0].Remote != "origin" || es[1].Remote != "upstream" || es[1].Attempts != 3 {
		t.Fatalf("Entries = %+v, %v; want origin and upstream", es, err)
	}
	if err := q.Remove("origin"); err != nil {
		t.Fatal(err)
	}
	if es, _ := q.Entries(); len(es) != 1 || es[0].Remote != "upstream" {
		t.Errorf("after Remove: %+v", es)
	}
}
