package spool

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestWorkerClaimWakeRetire(t *testing.T) {
	d := Dir(t.TempDir())
	if WakeWorker(d) {
		t.Fatal("WakeWorker = true before any worker ran")
	}
	w, err := ClaimWorker(d)
	if err != nil || w == nil {
		t.Fatalf("ClaimWorker = %v, %v", w, err)
	}
	if other, err := ClaimWorker(d); other != nil || err != nil {
		t.Fatalf("second ClaimWorker = %v, %v; want nil, nil", other, err)
	}
	if w.Wait(20 * time.Millisecond) {
		t.Error("Wait = true with nobody waking it")
	}
	for i := 0; i < 3; i++ {
		if !WakeWorker(d) {
			t.Fatal("WakeWorker = false with a worker listening")
		}
	}
	if !w.Wait(time.Minute) {
		t.Fatal("Wait = false after WakeWorker")
	}
	if w.Wait(20 * time.Millisecond) {
		t.Error("wake-ups sent together were not consumed together")
	}

	// Retiring with an empty queue gives the slot up.
	if w.Retire() {
		t.Fatal("Retire = true with an empty queue")
	}
	if WakeWorker(d) {
		t.Fatal("WakeWorker = true after the worker retired")
	}

	// Retiring with a commit queued keeps it (and keeps listening).
	w, err = ClaimWorker(d)
	if err != nil || w == nil {
		t.Fatalf("ClaimWorker after Retire = %v, %v", w, err)
	}
	if err := Enqueue(d, t.TempDir(), "0123456789012345678901234567890123456789"); err != nil {
		t.Fatal(err)
	}
	if !w.Retire() {
		t.Fatal("Retire = false with a commit queued and the slot free")
	}
	if !WakeWorker(d) || !w.Wait(time.Minute) {
		t.Fatal("the worker that carried on does not hear WakeWorker")
	}
	if other, _ := ClaimWorker(d); other != nil {
		t.Fatal("the slot is free although the worker carried on")
	}
	w.Close()
	if WakeWorker(d) {
		t.Error("WakeWorker = true after Close")
	}
}

func TestWorkerReplacesNonPipe(t *testing.T) {
	d := Dir(t.TempDir())
	if err := os.MkdirAll(d.Path("state"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(d.Path("state", workerFIFO), []byte("junk"), 0o600); err != nil {
		t.Fatal(err)
	}
	if WakeWorker(d) {
		t.Fatal("WakeWorker = true for a regular file: no worker would ever see the commit")
	}
	w, err := ClaimWorker(d)
	if err != nil || w == nil {
		t.Fatalf("ClaimWorker = %v, %v", w, err)
	}
	defer w.Close()
	fi, err := os.Lstat(d.Path("state", workerFIFO))
	if err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("worker.fifo is %v, %v; want a named pipe", fi.Mode(), err)
	}
	if !WakeWorker(d) || !w.Wait(time.Minute) {
		t.Fatal("the repaired pipe does not carry wake-ups")
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
