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

func TestOverwriteFileAndReadLocked(t *testing.T) {
	d := Dir(t.TempDir())
	if err := os.MkdirAll(d.Path("state"), 0o700); err != nil {
		t.Fatal(err)
	}
	path := d.Path("state", "x.json")
	for _, content := range []string{`{"a":"1"}`, `{"a":"1","b":"a much longer value"}`, `{}`, ""} {
		if err := OverwriteFile(path, []byte(content)); err != nil {
			t.Fatal(err)
		}
		if got, err := d.ReadLocked("x", path); err != nil || string(got) != content {
			t.Fatalf("after writing %q: read %q, %v", content, got, err)
		}
	}
	// A reader waits for a writer holding the lock, and sees its write whole.
	unlock, err := d.Lock("x")
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan string)
	go func() {
		b, _ := d.ReadLocked("x", path)
		got <- string(b)
	}()
	time.Sleep(20 * time.Millisecond) // let the reader reach the lock (the result does not depend on it)
	if err := OverwriteFile(path, []byte(`{"written":"under the lock"}`)); err != nil {
		t.Fatal(err)
	}
	unlock()
	if s := <-got; s != `{"written":"under the lock"}` {
		t.Errorf("ReadLocked returned %q, not the write made under the lock", s)
	}
}
