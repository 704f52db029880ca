// Command tracevault-githook is what the git hooks installed by
// `tracevault init` run: "tracevault-githook git-hook NAME ARGS...". For
// post-commit it queues the new commit and wakes (or starts) the background
// worker, without starting git, in a binary that links only small
// standard-library packages so that `git commit` waits about as long as for
// a hello-world program. Every other hook is handed to the full tracevault
// binary beside it by exec. It never fails a commit: problems go to
// standard error and it exits 0 (a pre-push policy block is the full
// binary's exit status).
package main

import (
	"os"

	"github.com/tracevault/tracevault/capture/githooks"
)

func main() { os.Exit(githooks.Hook(os.Args[1:])) }
