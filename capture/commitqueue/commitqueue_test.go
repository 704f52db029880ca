package commitqueue

import (
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// AppendJSON writes what encoding/json writes, and reads back the same.
func TestPendingJSON(t *testing.T) {
	at := time.Date(2026, 11, 28, 10, 0, 0, 123456789, time.UTC)
	for _, p := range []Pending{
		{Commit: "0123456789abcdef0123456789abcdef01234567", At: at},
		{Commit: "c", Action: "commit (amend): fix <b> & \"quotes\"\tand\ttabs", At: at},
		{Commit: "c", Action: "rebase (pick): x", Squash: "Squashed commit of the following:\n\ncommit 1\n\u2028\x00\xff bad utf-8", At: at.Truncate(time.Second)},
	} {
		want, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.AppendJSON(nil); string(got) != string(want) {
			t.Errorf("AppendJSON = %s\nencoding/json = %s", got, want)
		}
	}
}

func TestCommitContextReadsReflogTail(t *testing.T) {
	gitDir := t.TempDir()
	if a, sq := CommitContext(gitDir); a != "" || sq != "" {
		t.Fatalf("no reflog, no SQUASH_MSG: got %q, %q", a, sq)
	}
	if err := os.MkdirAll(gitDir+"/logs", 0o755); err != nil {
		t.Fatal(err)
	}
	entry := func(msg string) string {
		return "0000000000000000000000000000000000000000 1111111111111111111111111111111111111111 A U Thor <a@example.com> 1700000000 +0000\t" + msg + "\n"
	}
	for _, n := range []int{1, 2, 40, 1000} { // the last one spans several 4 KiB reads
		var b []byte
		for i := 0; i < n; i++ {
			b = append(b, entry("commit: number "+strconv.Itoa(i))...)
		}
		if err := os.WriteFile(gitDir+"/logs/HEAD", b, 0o644); err != nil {
			t.Fatal(err)
		}
		want := "commit: number " + strconv.Itoa(n-1)
		if a, _ := CommitContext(gitDir); a != want {
			t.Errorf("%d entries: action %q, want %q", n, a, want)
		}
	}
	long := entry("commit: " + strings.Repeat("x", 20000))
	if err := os.WriteFile(gitDir+"/logs/HEAD", []byte(entry("first")+long), 0o644); err != nil {
		t.Fatal(err)
	}
	if a, _ := CommitContext(gitDir); a != strings.TrimSuffix(long[strings.IndexByte(long, '\t')+1:], "\n") {
		t.Errorf("a last line longer than the first read: got %d bytes", len(a))
	}
	if err := os.WriteFile(gitDir+"/SQUASH_MSG", []byte("Squashed commit of the following:\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, sq := CommitContext(gitDir); sq != "Squashed commit of the following:\n" {
		t.Errorf("SQUASH_MSG = %q", sq)
	}
}
