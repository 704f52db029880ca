package sync_test

import (
	"errors"
	"fmt"
	"os"
	"time"

	tvsync "github.com/tracevault/tracevault/capture/sync"
)

// The queue file after two failed pushes to origin. Credentials in URLs
// are not kept.
func ExampleQueue() {
	gitDir, _ := os.MkdirTemp("", "queue")
	defer os.RemoveAll(gitDir)
	q := tvsync.QueueFor(gitDir)
	t0 := time.Date(2026, 11, 27, 10, 0, 0, 123e6, time.UTC)
	_ = q.Add("origin", t0, errors.New("fetching from https://bot:s3cret@example.com/r.git: timeout"))
	_ = q.Add("origin", t0.Add(5*time.Minute), errors.New("fetching from https://bot:s3cret@example.com/r.git: refused"))
	data, _ := os.ReadFile(q.Path())
	fmt.Print(string(data))
	// Output:
	// {"v":1,"remote":"origin","since":"2026-11-27T10:00:00.123Z","last":"2026-11-27T10:05:00.123Z","attempts":2,"error":"fetching from https://example.com/r.git: refused"}
}

func ExampleFetchRefspecs() {
	for _, rs := range tvsync.FetchRefspecs("origin") {
		fmt.Println(rs)
	}
	// Output:
	// +refs/notes/tracevault:refs/notes/tracevault-remote/origin
	// +refs/tracevault/*:refs/tracevault-remote/origin/*
}
