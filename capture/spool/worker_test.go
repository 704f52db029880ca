package spool

import (
	"os"
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

func TestUpdateAndReadShared(t *testing.T) {
	d := Dir(t.TempDir())
	if err := os.MkdirAll(d.Path("state"), 0o700); err != nil {
		t.Fatal(err)
	}
	path := d.Path("state", "x.json")
	prev := ""
	for _, content := range []string{`{"a":"1"}`, `{"a":"1","b":"a much longer value"}`, `{}`, ""} {
		err := Update(path, func(old []byte) ([]byte, bool) {
			if string(old) != prev {
				t.Errorf("Update saw %q, want %q", old, prev)
			}
			return []byte(content), true
		})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := ReadShared(path); err != nil || string(got) != content {
			t.Fatalf("after writing %q: read %q, %v", content, got, err)
		}
		prev = content
	}
	// No write when fn says so.
	if err := Update(path, func([]byte) ([]byte, bool) { return []byte("ignored"), false }); err != nil {
		t.Fatal(err)
	}
	if got, _ := ReadShared(path); string(got) != prev {
		t.Errorf("an update that declined wrote %q", got)
	}
	// A reader waits for an update in progress, and sees its write whole.
	inside, release := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		done <- Update(path, func([]byte) ([]byte, bool) {
			close(inside)
			<-release
			return []byte(`{"written":"under the lock"}`), true
		})
	}()
	<-inside
	got := make(chan string)
	go func() {
		b, _ := ReadShared(path)
		got <- string(b)
	}()
	time.Sleep(20 * time.Millisecond) // let the reader reach the lock (the result does not depend on it)
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != `{"written":"under the lock"}` {
		t.Errorf("ReadShared returned %q, not the write made under the lock", s)
	}
}
