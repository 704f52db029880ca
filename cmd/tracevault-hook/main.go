// Command tracevault-hook is the lean entry point agents call on every hook
// event: "tracevault-hook --agent claude-code". It does exactly what
// "tracevault hook --agent claude-code" does, in a binary that links only the
// standard library and the capture packages, so that it starts in about the
// time a hello-world Go program does (the agent waits for it before every tool
// call). It always exits 0 unless the policy guard denies a tool call.
//
// Git hooks call it too, as "tracevault-hook git-hook NAME": post-commit is
// queued here without starting git, and every other hook is handed to the
// full tracevault binary.
package main

import (
	"os"

	"github.com/tracevault/tracevault/capture/hookrun"
)

func main() { os.Exit(hookrun.MainArgs(os.Args[1:])) }
